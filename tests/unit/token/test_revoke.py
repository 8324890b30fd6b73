"""Revocation: whole trees, orphans, accessors, hooks, and limited-use tokens."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.token.entry import TokenEntry
from tests.unit.token.support import Env, make_env


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def family(env: Env) -> tuple[str, str, str, str]:
    """parent → child → grandchild, plus an orphan made by the parent."""
    parent, _ = await env.create(policies=["dev"], ttl="2h")
    child, _ = await env.create(token=parent)
    grandchild, _ = await env.create(token=child)
    response = await env.call("create-orphan", {}, token=parent)
    assert response is not None and response.auth is not None
    return parent, child, grandchild, response.auth.client_token


async def alive(env: Env, *tokens: str) -> list[bool]:
    return [await env.entry(token) is not None for token in tokens]


async def test_revoke_takes_the_whole_tree_but_not_orphans(env: Env) -> None:
    parent, child, grandchild, orphan = await family(env)
    assert await env.call("revoke", {"token": parent}) is None
    assert await alive(env, parent, child, grandchild, orphan) == [False, False, False, True]
    assert await env.physical.list("sys/token/parent/") == []


async def test_revoke_orphan_keeps_the_children(env: Env) -> None:
    parent, child, grandchild, _ = await family(env)
    assert await env.call("revoke-orphan", {"token": child}) is None
    assert await alive(env, parent, child, grandchild) == [True, False, True]
    entry = await env.entry(grandchild)
    assert entry is not None and entry.orphan
    await env.call("revoke", {"token": parent})
    assert await alive(env, grandchild) == [True]


async def test_revoke_orphan_needs_sudo(env: Env) -> None:
    parent, child, _, _ = await family(env)
    with pytest.raises(InvalidRequest) as caught:
        await env.call("revoke-orphan", {"token": child}, token=parent)
    assert str(caught.value) == "root or sudo privileges required to revoke and orphan"
    with pytest.raises(InvalidRequest) as caught:
        await env.call("revoke-orphan", {"token": "nope"})
    assert str(caught.value) == "token to revoke not found"
    with pytest.raises(InvalidRequest) as caught:
        await env.call("revoke-orphan", {})
    assert str(caught.value) == "missing token ID"


async def test_revoke_self_and_accessor(env: Env) -> None:
    parent, child, _, _ = await family(env)
    assert await env.call("revoke-self", {}, token=child) is None
    assert await alive(env, parent, child) == [True, False]
    _, accessor = await env.create(policies=["dev"])
    assert await env.call("revoke-accessor", {"accessor": accessor}) is None
    response = await env.call("revoke-accessor", {"accessor": accessor})
    assert response is not None and response.warnings == ["No token found with this accessor"]


async def test_revoke_unknown_and_batch_tokens(env: Env) -> None:
    assert await env.call("revoke", {"token": "nonexistent"}) is None
    batch, _ = await env.create(policies=["dev"], type="batch")
    with pytest.raises(InvalidRequest) as caught:
        await env.call("revoke", {"token": batch})
    assert str(caught.value) == "batch tokens cannot be revoked"
    with pytest.raises(InvalidRequest) as caught:
        await env.call("revoke", {})
    assert str(caught.value) == "missing token ID"


async def test_batch_child_dies_with_its_parent(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"])
    batch, _ = await env.create(token=parent, type="batch")
    second_batch, _ = await env.create(token=parent, type="batch")
    assert await alive(env, batch, second_batch) == [True, True]
    await env.call("revoke", {"token": parent})
    assert await alive(env, batch, second_batch) == [False, False]


async def test_revoke_hooks_see_every_revoked_token(env: Env) -> None:
    seen: list[str] = []

    async def hook(entry: TokenEntry) -> None:
        seen.append(entry.token_hash)

    env.store.add_revoke_hook(hook)
    parent, child, grandchild, _ = await family(env)
    hashes = [env.store.hash(t) for t in (grandchild, child, parent)]
    await env.call("revoke", {"token": parent})
    assert seen == hashes  # leaves first


async def test_revoking_a_token_revokes_its_secret_leases(env: Env) -> None:
    token, _ = await env.create(policies=["dev"])
    owner = await env.entry(token)
    assert owner is not None
    lease = await env.expiration.register_secret(path="pki/issue/r", ttl=3600, renewable=True,
                                                 owner=owner)
    await env.call("revoke", {"token": token})
    assert await env.expiration.run_due() == 1
    assert env.secrets.revoked == [lease.lease_id]
    assert await env.expiration.lookup(lease.lease_id) is None


async def test_limited_use_token_is_revoked_after_its_last_use(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], num_uses=2)
    response = await env.call("lookup-self", token=token)
    assert response is not None and response.data is not None
    assert response.data["num_uses"] == 1
    # The last use still completes; the token is gone afterwards.
    entry = await env.entry(token)
    assert entry is not None
    assert await env.store.use(entry)
    assert await env.entry(token) is None  # pending: no longer usable
    assert not await env.store.use(entry)
    await env.store.release(entry)
    assert await env.store.token_exists(entry.token_hash) is False
    assert await env.expiration.lookup(env.expiration.token_lease_id(entry)) is None


async def test_expired_tokens_are_revoked_by_the_lease_timer(env: Env) -> None:
    parent, child, _, orphan = await family(env)
    env.clock.advance(7200)
    assert await alive(env, parent) == [False]  # expired: lookups fail at once
    assert await env.expiration.run_due() >= 1
    assert not await env.store.token_exists(env.store.hash(parent))
    assert not await env.store.token_exists(env.store.hash(child))
    assert await alive(env, orphan) == [True]
