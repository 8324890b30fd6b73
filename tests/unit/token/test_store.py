"""The token store below the HTTP API: storage layout, cache, restart, tidy, accessors."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.token.cidrs import allows, parse_cidrs
from pyvault.token.indexes import parent_key
from pyvault.token.tidy import tidy_tokens
from tests.unit.token.support import Env, make_env


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def all_stored_bytes(env: Env) -> bytes:
    keys = await env.physical.list("")
    blob = b""
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key.endswith("/"):
            stack.extend(key + child for child in await env.physical.list(key))
            continue
        value = await env.physical.get(key)
        blob += key.encode() + b"\0" + (value or b"")
    return blob


async def test_token_strings_are_never_stored(env: Env) -> None:
    token, accessor = await env.create(policies=["dev"], id="custom-token-value")
    other, _ = await env.create(policies=["dev"])
    blob = await all_stored_bytes(env)
    for secret in (token, other, other.removeprefix("hvs.")):
        assert secret.encode() not in blob
    assert accessor.encode() in blob  # accessors are not secrets: LIST accessors shows them


async def test_create_token_api_for_other_auth_methods(env: Env) -> None:
    token, entry = await env.store.create_token(
        policies=["Dev", "dev", " ops "], parent=None, ttl=600, path="auth/userpass/login/bob",
        display_name="userpass-bob", meta={"username": "bob"},
    )
    assert entry.policies == ["default", "dev", "ops"] and entry.orphan
    assert await env.store.lookup(token) is entry
    lease = await env.expiration.token_lease(entry)
    assert lease is not None
    assert lease.lease_id == f"auth/userpass/login/bob/h{entry.token_hash}"
    assert lease.expire_time == env.clock.now() + 600
    _, no_default = await env.store.create_token(policies=["dev"], parent=None, ttl=60,
                                                 no_default_policy=True)
    assert no_default.policies == ["dev"]
    _root_token, root_entry = await env.store.create_token(policies=["root", "dev"], parent=None,
                                                          ttl=0)
    assert root_entry.policies == ["root"] and root_entry.expire_time == 0


async def test_lookup_accessor_and_list(env: Env) -> None:
    token, accessor = await env.create(policies=["dev"])
    entry = await env.store.lookup_accessor(accessor)
    assert entry is not None and entry is await env.store.lookup(token)
    assert await env.store.lookup_accessor("nope") is None
    response = await env.call("accessors/", op=Operation.LIST)
    assert response is not None and response.data is not None
    assert accessor in response.data["keys"] and len(response.data["keys"]) == 2


async def test_cache_follows_every_change(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], num_uses=3)
    first = await env.store.lookup(token)
    assert first is not None and await env.store.lookup(token) is first
    fresh = await env.restart()
    same = await fresh.store.lookup(token)
    assert same is not None and same.num_uses == 3
    await env.call("revoke", {"token": token})
    assert await env.store.lookup(token) is None


async def test_restart_keeps_tokens_and_roles(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], ttl="1h")
    await env.call("roles/app", {"allowed_policies": "dev"})
    fresh = await env.restart()
    assert await fresh.store.lookup(token) is not None
    response = await fresh.call("create/app", {})
    assert response is not None and response.auth is not None


async def test_unloaded_store_knows_no_token(env: Env) -> None:
    token, _ = await env.create(policies=["dev"])
    env.store.unload()
    assert await env.store.lookup(token) is None
    with pytest.raises(RuntimeError):
        env.store.hash("x")


async def test_tidy_repairs_indexes(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"])
    child, _ = await env.create(token=parent)
    parent_hash, child_hash = env.store.hash(parent), env.store.hash(child)
    storage = env.store.storage
    # A crash left: the parent entry gone, a dangling index entry, a dangling accessor.
    await storage.delete("id/" + parent_hash)
    env.store.drop_cached(parent_hash)
    await storage.put(parent_key(child_hash, "f" * 64), b"")
    report = await tidy_tokens(env.store)
    assert report.orphaned == 1 and report.parent_entries_deleted == 3
    assert report.accessors_deleted == 1
    entry = await env.entry(child)
    assert entry is not None and entry.orphan
    assert await storage.list("parent/") == []


async def test_tidy_revokes_stale_tokens(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], ttl="1m")
    env.clock.advance(120)
    report = await tidy_tokens(env.store)
    assert report.tokens_revoked == 1
    assert not await env.store.token_exists(env.store.hash(token))


async def test_tidy_endpoint_runs_in_the_background(env: Env) -> None:
    response = await env.call("tidy", {})
    assert response is not None and response.status == 202
    assert response.warnings[0].startswith("Tidy operation successfully started.")


async def test_parent_must_exist(env: Env) -> None:
    token, entry = await env.store.create_token(policies=["dev"], parent=None, ttl=60)
    await env.call("revoke", {"token": token})
    with pytest.raises(InvalidRequest) as caught:
        await env.store.create_token(policies=["dev"], parent=entry, ttl=60)
    assert str(caught.value) == "parent token not found"


async def test_only_root_tokens_may_lack_a_ttl(env: Env) -> None:
    with pytest.raises(ValueError, match="only root tokens may be created without a TTL"):
        await env.store.create_token(policies=["dev"], parent=None, ttl=0)


def test_bound_cidrs_helper() -> None:
    cidrs = parse_cidrs(["10.0.0.0/8", "192.168.1.5/32", "::1"], "ctx")
    assert cidrs == ["10.0.0.0/8", "192.168.1.5", "::1"]
    assert allows(cidrs, "10.2.3.4") and allows(cidrs, "::1") and allows([], "1.2.3.4")
    assert not allows(cidrs, "192.168.1.6") and not allows(cidrs, "not-an-ip")
