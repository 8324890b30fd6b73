"""A standby whose cached leader has just died (connection refused) looks the leader
up again and forwards there, instead of redirecting the client to the dead node —
regression for a race seen in the HA take-over test; and when this node itself won
the lock meanwhile, it serves the request."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

from pyvault.core.ha import Leader
from pyvault.http import forwarding
from pyvault.http.forwarding import Forwarder


def dead_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class FakeHA:
    """The lock names the dead node until ``forget_leader`` has been called once."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.forgotten = 0

    async def leader(self) -> Leader:
        address = self.answers[min(self.forgotten, 1)]
        return Leader(False, True, address, "", None)

    def forget_leader(self) -> None:
        self.forgotten += 1


def fake_core(ha: FakeHA) -> Any:
    return SimpleNamespace(
        ha=ha, standby=True,
        config=SimpleNamespace(request_forwarding=True),
        barrier=SimpleNamespace(derive_key=lambda purpose: b"k" * 32),
    )


async def test_a_dead_leader_is_looked_up_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"served_by": "new leader"})

    app = web.Application()
    app.router.add_get("/v1/secret/data/app", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    new_leader = f"http://127.0.0.1:{server.port}"
    ha = FakeHA(dead_address(), new_leader)
    forwarder = Forwarder(fake_core(ha))
    request = make_mocked_request("GET", "/v1/secret/data/app")
    try:
        response = await forwarder.handle_on_standby(request, "secret/data/app", b"")
    finally:
        await forwarder.close()
        await server.close()
    assert isinstance(response, web.Response)
    assert response.status == 200 and b"new leader" in (response.body or b"")
    assert ha.forgotten >= 1


async def test_this_node_won_the_lock_meanwhile(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = dead_address()
    core = fake_core(FakeHA(dead, dead))

    async def promoted(*_: object) -> None:
        core.standby = False

    monkeypatch.setattr(forwarding.asyncio, "sleep", promoted)
    forwarder = Forwarder(core)
    request = make_mocked_request("GET", "/v1/secret/data/app")
    try:
        assert await forwarder.handle_on_standby(request, "secret/data/app", b"") is None
    finally:
        await forwarder.close()


async def test_no_new_leader_in_time_redirects_as_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = dead_address()
    monkeypatch.setattr(forwarding, "LEADER_CHANGE_WAIT", 0.3)
    forwarder = Forwarder(fake_core(FakeHA(dead, dead)))
    request = make_mocked_request("GET", "/v1/secret/data/app")
    try:
        response = await forwarder.handle_on_standby(request, "secret/data/app", b"")
    finally:
        await forwarder.close()
    assert response is not None and response.status == 307
    assert response.headers["Location"].startswith(dead)
