"""End to end, with the real clock: a ttl=2s token is refused once it expires, and
expiry keeps working across a restart (the lease is restored from storage; what
expired while the server was down is revoked at unseal)."""

from __future__ import annotations

import time

from tests.integration.server import PyvaultServer, call


def start_unsealed(server: PyvaultServer) -> tuple[list[str], str]:
    config = server.write_config(f'storage "sqlite" {{\n  path = "{server.workdir}/v.db"\n}}')
    server.start(f"-config={config}")
    init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
    keys, root = init.body["keys"], init.body["root_token"]
    call(server.addr, "PUT", "sys/unseal", {"key": keys[0]})
    return keys, root


def restart(server: PyvaultServer, keys: list[str]) -> None:
    server.stop()
    server.start(f"-config={server.workdir / 'server.hcl'}")
    assert call(server.addr, "PUT", "sys/unseal", {"key": keys[0]}).body["sealed"] is False


def new_token(server: PyvaultServer, root: str, ttl: str) -> str:
    made = call(server.addr, "POST", "auth/token/create",
                {"ttl": ttl, "policies": ["default"]}, token=root)
    assert made.status == 200, made.body
    token: str = made.body["auth"]["client_token"]
    return token


def lookup_self(server: PyvaultServer, token: str) -> int:
    return call(server.addr, "GET", "auth/token/lookup-self", token=token).status


def test_token_is_refused_after_it_expires(server: PyvaultServer) -> None:
    _, root = start_unsealed(server)
    token = new_token(server, root, "2s")
    assert lookup_self(server, token) == 200
    time.sleep(2.5)
    assert lookup_self(server, token) == 403
    lookup = call(server.addr, "POST", "auth/token/lookup", {"token": token}, token=root)
    # The record is gone, not just hidden: Vault's answer for an unknown token.
    assert (lookup.status, lookup.body) == (403, {"errors": ["bad token"]})


def test_expiry_survives_a_restart(server: PyvaultServer) -> None:
    keys, root = start_unsealed(server)
    expires_while_down = new_token(server, root, "2s")
    # Long enough that a slow restart on a loaded machine still comes before it.
    expires_after_restart = new_token(server, root, "15s")
    server.stop()
    time.sleep(2.5)
    server.start(f"-config={server.workdir / 'server.hcl'}")
    call(server.addr, "PUT", "sys/unseal", {"key": keys[0]})
    assert lookup_self(server, expires_while_down) == 403
    assert lookup_self(server, expires_after_restart) == 200
    deadline = time.monotonic() + 30
    while lookup_self(server, expires_after_restart) == 200 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert lookup_self(server, expires_after_restart) == 403

    def remaining_leases() -> list[str]:
        leases = call(server.addr, "LIST", "sys/leases/lookup/auth/token/create", token=root)
        keys: list[str] = leases.body["data"]["keys"] if leases.status == 200 else []
        return keys

    # The token is refused from its expiry instant; the timer then revokes its lease
    # (a moment later on a loaded machine).
    deadline = time.monotonic() + 15
    while remaining_leases() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert remaining_leases() == []
