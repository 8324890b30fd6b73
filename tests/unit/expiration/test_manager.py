"""The expiration manager on a FakeClock: expiry, restore, prefixes, retries, tidy."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pyvault.expiration.manager import MAX_REVOKE_ATTEMPTS
from pyvault.expiration.records import index_key
from pyvault.logical.errors import InvalidRequest
from pyvault.token.entry import TokenEntry
from tests.unit.token.support import Env, make_env


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def owner(env: Env, **options: Any) -> tuple[str, TokenEntry]:
    token, _ = await env.create(policies=["dev"], **options)
    entry = await env.entry(token)
    assert entry is not None
    return token, entry


async def test_token_lease_expires_without_sleeping(env: Env) -> None:
    _token, entry = await owner(env, ttl="10m")
    lease_id = env.expiration.token_lease_id(entry)
    assert lease_id == f"auth/token/create/h{entry.token_hash}"
    env.clock.advance(599)
    assert await env.expiration.run_due() == 0
    env.clock.advance(1)
    assert await env.expiration.run_due() == 1
    assert await env.expiration.lookup(lease_id) is None
    assert not await env.store.token_exists(entry.token_hash)


async def test_secret_lease_lifecycle(env: Env) -> None:
    _, entry = await owner(env)
    lease = await env.expiration.register_secret(
        path="pki/issue/r", ttl=3600, renewable=True, owner=entry, data={"serial": "1"},
        internal={"key": "k"}, max_ttl=7200)
    assert lease.lease_id.startswith("pki/issue/r/") and len(lease.lease_id) == 36
    assert await env.physical.get("sys/expire/" + index_key(entry.token_hash, lease.lease_id))
    env.secrets.renew_ttl = 1800
    renewed = await env.expiration.renew(lease.lease_id, 0)
    assert (renewed.ttl, renewed.renewable, renewed.data) == (1800, True, {"renewed": True})
    env.clock.advance(1800)
    assert await env.expiration.run_due() == 1
    assert env.secrets.revoked == [lease.lease_id]
    assert await env.expiration.lookup(lease.lease_id) is None
    assert await env.physical.list(f"sys/expire/token/{entry.token_hash}/") == []


async def test_secret_renewal_caps(env: Env) -> None:
    _, entry = await owner(env)
    lease = await env.expiration.register_secret(path="db/creds/r", ttl=600, renewable=True,
                                                 owner=entry, max_ttl=1000)
    env.clock.advance(500)
    env.secrets.renew_max_ttl = 1000  # the backend's own cap, as it answers the renewal
    renewed = await env.expiration.renew(lease.lease_id, 900)
    assert renewed.ttl == 500  # issue time + backend max (1000) - now
    assert renewed.warnings[0].startswith('TTL of "15m" exceeded the effective max_ttl')


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "lease not found"),
    ("not-renewable", "lease is not renewable"),
    ("token", "tokens cannot be renewed through this endpoint"),
    ("root-token", "lease is not renewable"),
])
async def test_renew_errors(env: Env, setup: str, message: str) -> None:
    _token, entry = await owner(env)
    lease_id = "nope/x"
    if setup == "not-renewable":
        lease_id = (await env.expiration.register_secret(
            path="pki/issue/r", ttl=60, renewable=False, owner=entry)).lease_id
    elif setup == "token":
        lease_id = env.expiration.token_lease_id(entry)
    elif setup == "root-token":
        _, root_entry = await env.store.create_token(policies=["root"], parent=None, ttl=0)
        lease_id = env.expiration.token_lease_id(root_entry)
    with pytest.raises(InvalidRequest) as caught:
        await env.expiration.renew(lease_id, 0)
    assert str(caught.value) == message


async def test_restore_after_restart_revokes_what_expired_while_sealed(env: Env) -> None:
    short, short_entry = await owner(env, ttl="1m")
    long, _ = await owner(env, ttl="1h")
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=120, renewable=True,
                                                 owner=short_entry)
    await env.expiration.stop()  # seal
    env.clock.advance(300)
    fresh = await env.restart()  # unseal: restore() runs inside make_env
    assert await fresh.store.lookup(long) is not None
    assert not await fresh.store.token_exists(short_entry.token_hash)
    # The secret was handed to the new timer when its token went: it is due now.
    await fresh.expiration.run_due()
    assert fresh.secrets.revoked == [lease.lease_id]
    fresh.clock.advance(3600)
    assert await fresh.expiration.run_due() == 1
    assert await fresh.store.lookup(long) is None
    assert short  # (the short token string was only ever used to create the lease)


async def test_revoke_prefix_and_exact_ids(env: Env) -> None:
    _, entry = await owner(env)
    leases = [
        (await env.expiration.register_secret(path=path, ttl=600, renewable=True,
                                              owner=entry)).lease_id
        for path in ("pki/issue/a", "pki/issue/a", "pki/issue/b", "kv/other")
    ]
    await env.expiration.revoke_prefix("pki/issue/a")
    assert sorted(env.secrets.revoked) == sorted(leases[:2])
    await env.expiration.revoke_prefix(leases[2])  # an exact id works too
    assert await env.expiration.list_prefix("pki/") == []
    assert await env.expiration.list_prefix("") == ["auth/", "kv/"]
    await env.expiration.revoke_prefix("kv/", sync=False)
    assert await env.expiration.lookup(leases[3]) is not None  # pending, not yet revoked
    assert await env.expiration.run_due() == 1
    assert env.secrets.revoked[-1] == leases[3]


async def test_revoke_prefix_of_token_leases_revokes_the_tokens(env: Env) -> None:
    await env.call("roles/app", {"path_suffix": "ver1"})
    response = await env.call("create/app", {"policies": ["dev"]})
    assert response is not None and response.auth is not None
    other, _ = await owner(env)
    await env.expiration.revoke_prefix("auth/token/create/app/")
    assert await env.store.lookup(response.auth.client_token) is None
    assert await env.store.lookup(other) is not None


async def test_failing_revocations_retry_then_become_irrevocable(env: Env) -> None:
    _, entry = await owner(env)
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=10, renewable=True,
                                                 owner=entry)
    env.secrets.fail_revoke = True
    env.clock.advance(10)
    for _ in range(MAX_REVOKE_ATTEMPTS):
        assert await env.expiration.run_due() == 0
        env.clock.advance(10 * 2 ** MAX_REVOKE_ATTEMPTS)
    stuck = env.expiration.irrevocable_leases()
    assert [item.lease_id for item in stuck] == [lease.lease_id]
    assert stuck[0].revoke_error == "backend is down"
    with pytest.raises(InvalidRequest):
        await env.expiration.revoke(lease.lease_id)
    await env.expiration.revoke_prefix("pki/", force=True)
    assert env.expiration.irrevocable_leases() == []
    assert await env.expiration.lookup(lease.lease_id) is None


async def test_tidy_revokes_leases_of_vanished_tokens(env: Env) -> None:
    token, entry = await owner(env)
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=600, renewable=True,
                                                 owner=entry)
    # Simulate a crash after the token entry went but before its leases did.
    await env.store.storage.delete("id/" + entry.token_hash)
    env.store.drop_cached(entry.token_hash)
    await env.physical.put("sys/expire/token/x/dangling", b"nope/lease")
    report = await env.expiration.tidy()
    assert report.revoked == 2  # the secret lease and the token's own lease record
    assert report.dangling_index == 1
    assert env.secrets.revoked == [lease.lease_id]
    assert token


async def test_batch_owned_secrets_are_capped_and_indexed_under_the_parent(env: Env) -> None:
    parent, parent_entry = await owner(env)
    batch, _ = await env.create(token=parent, type="batch", ttl="10m")
    batch_entry = await env.store.lookup(batch)
    assert batch_entry is not None
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=3600, renewable=True,
                                                 owner=batch_entry)
    assert lease.expire_time == batch_entry.expire_time
    await env.call("revoke", {"token": parent})
    await env.expiration.run_due()
    assert env.secrets.revoked == [lease.lease_id]
    assert parent_entry


async def test_timer_task_fires_on_the_injected_clock(env: Env) -> None:
    _, entry = await owner(env, ttl="30s")
    env.expiration.start()
    try:
        for _ in range(50):  # FakeClock.sleep advances time instead of waiting
            await asyncio.sleep(0)
            if not await env.store.token_exists(entry.token_hash):
                break
        assert not await env.store.token_exists(entry.token_hash)
    finally:
        await env.expiration.stop()
