"""sys/host-info values as the reference's (gopsutil's) on the same machine, and the
listener's ``unauthenticated_in_flight_requests_access``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from harness import KINDS, ServerProcess, free_port, selected_kinds

# Fields that move between two reads (or name the process).
_MOVING = {"uptime", "bootTime", "procs"}


def _host_info(server: ServerProcess) -> dict[str, Any]:
    data: dict[str, Any] = server.client().read("sys/host-info")["data"]
    return data


@pytest.mark.skipif(selected_kinds() != list(KINDS), reason="needs both servers")
def test_host_info_matches_reference_on_this_machine(tmp_path: Path) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        server = ServerProcess(kind=kind, workdir=tmp_path / kind, dev=True)
        server.start()
        try:
            seen[kind] = _host_info(server)
        finally:
            server.stop()
    ours, ref = seen["pyvault"], seen["reference"]
    host = {k: v for k, v in ours["host"].items() if k not in _MOVING}
    assert host == {k: v for k, v in ref["host"].items() if k not in _MOVING}
    assert list(ours["memory"]) == list(ref["memory"])  # gopsutil's fields, in its order
    assert ours["memory"]["total"] == ref["memory"]["total"]
    assert [d["fstype"] for d in ours["disk"]] == [d["fstype"] for d in ref["disk"]]
    assert [d["path"] for d in ours["disk"]] == [d["path"] for d in ref["disk"]]
    assert list(ours["cpu_times"][0]) == list(ref["cpu_times"][0])
    assert len(ours["cpu"]) == len(ref["cpu"])


def _inflight_listener(port: int) -> str:
    return ('listener "tcp" {\n'
            f'  address = "127.0.0.1:{port}"\n'
            "  tls_disable = true\n"
            "  inflight_requests_logging {\n"
            "    unauthenticated_in_flight_requests_access = true\n"
            "  }\n"
            "}\n")


@pytest.fixture(params=selected_kinds())
def two_listeners(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, int]]:
    """A sealed, uninitialised server: the harness's listener, and a second one with
    the in-flight switch."""
    port = free_port()
    server = ServerProcess(kind=request.param, workdir=tmp_path_factory.mktemp(request.param),
                           extra_hcl=_inflight_listener(port))
    server.start()
    try:
        yield server, port
    finally:
        server.stop()


def test_in_flight_without_token_only_where_switched_on(
    two_listeners: tuple[ServerProcess, int]
) -> None:
    server, port = two_listeners
    open_url = f"http://127.0.0.1:{port}/v1/sys/in-flight-req"
    answer = requests.get(open_url, timeout=10)
    assert answer.status_code == 200  # no token, sealed and uninitialised
    mine = [v for v in answer.json().values() if v["request_path"] == "/v1/sys/in-flight-req"]
    assert len(mine) == 1 and mine[0]["request_method"] == "GET"
    assert requests.post(open_url, timeout=10).status_code == 405
    # The harness's own listener has no switch: the usual sealed answer.
    closed = server.request("GET", "/v1/sys/in-flight-req", token=None)
    assert closed.status_code == 503
