"""sys/leases/* (and Vault's unprefixed twins) over the expiration manager."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.system.path_leases import LeasePaths
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.entry import TokenEntry
from tests.unit.token.support import Env, make_env


class Sys:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.backend = Backend(paths=LeasePaths(env.expiration).paths(), backend_type="system")

    async def call(self, path: str, data: dict[str, Any] | None = None,
                   op: Operation = Operation.UPDATE) -> Response | None:
        return await self.backend.handle(Request(operation=op, path=path, data=data or {}))

    async def error(self, path: str, data: dict[str, Any] | None = None,
                    op: Operation = Operation.UPDATE) -> str:
        with pytest.raises(InvalidRequest) as caught:
            await self.call(path, data, op)
        return str(caught.value)


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def token_and_secret(env: Env) -> tuple[TokenEntry, str]:
    token, _ = await env.create(policies=["dev"], ttl="1h")
    entry = await env.entry(token)
    assert entry is not None
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=3600, renewable=True,
                                                 owner=entry)
    return entry, lease.lease_id


async def test_lookup_shapes(env: Env) -> None:
    sys = Sys(env)
    entry, secret = await token_and_secret(env)
    env.clock.advance(0.6)
    response = await sys.call("leases/lookup", {"lease_id": secret})
    assert response is not None and response.data == {
        "id": secret, "issue_time": "2023-11-14T22:13:20Z",
        "expire_time": "2023-11-14T23:13:20Z", "last_renewal": None, "ttl": 3599,
        "path": "pki/issue/r", "renewable": True,
    }
    token_lease = env.expiration.token_lease_id(entry)
    response = await sys.call("leases/lookup", {"lease_id": token_lease})
    assert response is not None and response.data is not None
    assert response.data["path"] == "auth/token/create" and response.data["renewable"] is True
    assert await sys.error("leases/lookup", {"lease_id": "nope"}) == "invalid lease"
    assert await sys.error("leases/lookup", {}) == "lease_id must be specified"


async def test_list_by_prefix(env: Env) -> None:
    sys = Sys(env)
    _, secret = await token_and_secret(env)
    listed = await sys.call("leases/lookup/", op=Operation.LIST)
    assert listed is not None and listed.data == {"keys": ["auth/", "pki/"]}
    for prefix in ("leases/lookup/pki/issue/r/", "leases/lookup/pki/issue/r"):
        listed = await sys.call(prefix, op=Operation.LIST)
        assert listed is not None and listed.data == {"keys": [secret.rsplit("/", 1)[1]]}
    assert await sys.call("leases/lookup/nope/", op=Operation.LIST) is None


async def test_renew(env: Env) -> None:
    sys = Sys(env)
    entry, secret = await token_and_secret(env)
    env.secrets.renew_ttl = 600
    calls: list[tuple[str, dict[str, Any]]] = [
        ("leases/renew", {"lease_id": secret, "increment": "30m"}),
        (f"leases/renew/{secret}", {}), ("renew", {"lease_id": secret}),
        (f"renew/{secret}", {"increment": 60}),
    ]
    durations = []
    for path, data in calls:
        response = await sys.call(path, data)
        assert response is not None and response.secret is not None
        assert response.secret.lease_id == secret and response.secret.renewable
        durations.append(response.secret.lease_duration)
    assert durations == [1800, 600, 600, 60]
    token_lease = env.expiration.token_lease_id(entry)
    assert await sys.error("leases/renew", {"lease_id": token_lease}) == (
        "tokens cannot be renewed through this endpoint")
    assert await sys.error("leases/renew", {"lease_id": "nope"}) == "lease not found"
    assert await sys.error("leases/renew", {}) == "lease_id must be specified"


async def test_revoke_sync_and_async(env: Env) -> None:
    sys = Sys(env)
    entry, secret = await token_and_secret(env)
    response = await sys.call("leases/revoke", {"lease_id": secret, "sync": False})
    assert response is not None and response.status == 202
    looked = await sys.call("leases/lookup", {"lease_id": secret})
    assert looked is not None and looked.data is not None and looked.data["ttl"] == 0
    await env.expiration.run_due()
    assert env.secrets.revoked == [secret]
    assert await sys.call("revoke/nope/x") is None  # unknown leases are fine
    assert await sys.error("leases/revoke", {}) == "lease_id must be specified"
    token_lease = env.expiration.token_lease_id(entry)
    assert await sys.call(f"leases/revoke/{token_lease}") is None
    assert not await env.store.token_exists(entry.token_hash)


async def test_revoke_prefix_and_force(env: Env) -> None:
    sys = Sys(env)
    _, secret = await token_and_secret(env)
    assert await sys.call("leases/revoke-prefix/pki/iss") is None  # not a path prefix
    assert await env.expiration.lookup(secret) is not None
    response = await sys.call("revoke-prefix/pki/issue", {"sync": False})
    assert response is not None and response.status == 202
    await env.expiration.run_due()
    assert env.secrets.revoked == [secret]
    _, other = await token_and_secret(env)
    env.secrets.fail_revoke = True
    assert "backend is down" in await sys.error("leases/revoke-prefix/pki/")
    assert await sys.call("leases/revoke-force/pki") is None
    assert await env.expiration.lookup(other) is None


async def test_tidy_count_and_irrevocable_list(env: Env) -> None:
    sys = Sys(env)
    response = await sys.call("leases/tidy")
    assert response is not None and response.status == 202
    assert response.warnings[0].startswith("Tidy operation successfully started.")
    assert await sys.call("leases/count", op=Operation.READ) is None
    counted = await sys.call("leases/count", {"type": "irrevocable"}, op=Operation.READ)
    assert counted is not None and counted.data == {"counts": {}, "lease_count": 0}
    listed = await sys.call("leases", {"type": "irrevocable"}, op=Operation.READ)
    assert listed is not None and listed.data == {"lease_count": 0, "leases": []}
    assert await sys.error("leases", {"type": "irrevocable", "limit": "0"},
                           op=Operation.READ) == "limit must be 'none' or a positive integer"


async def test_irrevocable_leases_are_counted_per_mount(env: Env) -> None:
    sys = Sys(env)
    _, secret = await token_and_secret(env)
    env.secrets.fail_revoke = True
    env.clock.advance(3600)
    for _ in range(6):
        await env.expiration.run_due()
        env.clock.advance(1000)
    counted = await sys.call("leases/count", {"type": "Irrevocable"}, op=Operation.READ)
    assert counted is not None and counted.data == {"counts": {"pki_1234": 1}, "lease_count": 1}
    listed = await sys.call("leases", {"type": "irrevocable", "limit": "none"},
                            op=Operation.READ)
    assert listed is not None and listed.data == {"lease_count": 1, "leases": [
        {"lease_id": secret, "mount_id": "pki_1234", "error": "backend is down"}]}
    looked = await sys.call("leases/lookup", {"lease_id": secret})
    assert looked is not None and looked.data is not None
    assert looked.data["revoke_error"] == "backend is down"
