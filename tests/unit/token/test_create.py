"""auth/token/create*: Vault's checks, in Vault's order, with Vault's words."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from tests.unit.token.support import SYSTEM_TTL, Env, make_env


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def create_error(env: Env, data: dict[str, object], token: str | None = None) -> str:
    with pytest.raises(InvalidRequest) as caught:
        await env.call("create", data, token=token)
    return str(caught.value)


async def test_child_gets_default_policy_ttl_and_parent(env: Env) -> None:
    response = await env.call("create", {"policies": ["dev"], "ttl": "1h", "meta": {"a": "b"}})
    assert response is not None and response.auth is not None
    auth = response.auth
    assert auth.client_token.startswith("hvs.") and len(auth.client_token) == 28
    assert len(auth.accessor) == 24
    assert auth.policies == auth.token_policies == ["default", "dev"]
    assert (auth.lease_duration, auth.renewable, auth.orphan) == (3600, True, False)
    assert (auth.metadata, auth.token_type, auth.num_uses) == ({"a": "b"}, "service", 0)
    assert response.warnings == []
    entry = await env.entry(auth.client_token)
    root = await env.entry(env.root)
    assert entry is not None and root is not None and entry.parent_hash == root.token_hash


async def test_undefined_policies_give_warnings(env: Env) -> None:
    response = await env.call("create", {"policies": ["dev", "extra", "a,b"]})
    assert response is not None
    assert response.warnings == ['Policy "a,b" does not exist', 'Policy "extra" does not exist']


async def test_no_policies_inherit_the_parent(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"])
    child, _ = await env.create(token=parent)
    entry = await env.entry(child)
    assert entry is not None and entry.policies == ["default", "dev"]
    root_child, _ = await env.create()
    entry = await env.entry(root_child)
    assert entry is not None and entry.policies == ["root"] and entry.expire_time == 0


async def test_ttl_defaults_to_system_and_is_capped(env: Env) -> None:
    token, _ = await env.create(policies=["dev"])
    response = await env.call("lookup", {"token": token})
    assert response is not None and response.data is not None
    assert response.data["creation_ttl"] == SYSTEM_TTL
    response = await env.call("create", {"policies": ["dev"], "ttl": "1000h"})
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == SYSTEM_TTL
    assert response.warnings == [
        'TTL of "1000h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly'
    ]
    response = await env.call("create", {"policies": ["dev"], "explicit_max_ttl": "1h",
                                         "ttl": "3h"})
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == 3600
    assert response.warnings == [
        'TTL of "3h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly'
    ]


async def test_child_may_outlive_its_parent(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"], ttl="1h")
    response = await env.call("create", {"ttl": "10h"}, token=parent)
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == 36000


@pytest.mark.parametrize(("data", "message"), [
    ({"policies": ["dev", "other"]}, "child policies must be subset of parent"),
    ({"policies": ["root"]}, "child policies must be subset of parent"),
    ({"policies": ["dev"], "no_parent": True},
     "root or sudo privileges required to create orphan token"),
    ({"policies": ["dev"], "period": "1h"},
     "root or sudo privileges required to create periodic token"),
    ({"policies": ["dev"], "id": "custom"}, "root or sudo privileges required to specify token id"),
    ({"num_uses": -1}, "number of uses cannot be negative"),
    ({"ttl": "-1"}, "ttl must be positive"),
    ({"ttl": "abc"}, 'time: invalid duration "abc"'),
    ({"explicit_max_ttl": "-5"}, "explicit_max_ttl must be positive"),
    ({"type": "weird"}, "invalid 'token_type' value"),
    ({"entity_alias": "x"}, "'entity_alias' is only allowed in combination with token role"),
])
async def test_non_sudo_parent_errors(env: Env, data: dict[str, object], message: str) -> None:
    parent, _ = await env.create(policies=["dev"], ttl="2h")
    assert await create_error(env, data, token=parent) == message


async def test_sudo_parent_may_do_more(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"], ttl="2h")
    entry = await env.entry(parent)
    assert entry is not None
    env.sudo_tokens.add(entry.token_hash)
    response = await env.call("create", {"policies": ["other"], "no_parent": True,
                                         "period": "1h"}, token=parent)
    assert response is not None and response.auth is not None
    assert response.auth.orphan and response.auth.policies == ["default", "other"]
    assert await create_error(env, {"policies": ["root"]}, token=parent) == (
        "root tokens may not be created without parent token being root")


async def test_create_orphan_needs_no_sudo(env: Env) -> None:
    parent, _ = await env.create(policies=["dev"])
    response = await env.call("create-orphan", {"policies": ["dev"]}, token=parent)
    assert response is not None and response.auth is not None and response.auth.orphan
    entry = await env.entry(response.auth.client_token)
    assert entry is not None and entry.parent_hash == "" and entry.path == (
        "auth/token/create-orphan")


async def test_custom_ids(env: Env) -> None:
    response = await env.call("create", {"id": "my-token", "policies": ["dev"]})
    assert response is not None and response.auth is not None
    assert response.auth.client_token == "my-token"
    for token_id, message in [
        ("hvs.abc", "custom token ID cannot have the 'hvs.' prefix"),
        ("s.abc", "custom token ID cannot have the 's.' prefix"),
        ("a.b", "custom token ID cannot have a '.' in the value"),
        ("my-token", "cannot create a token with a duplicate ID"),
    ]:
        assert await create_error(env, {"id": token_id}) == message


async def test_display_name_is_sanitised(env: Env) -> None:
    token, _ = await env.create(display_name="My App!")
    entry = await env.entry(token)
    assert entry is not None and entry.display_name == "token-My-App"


async def test_restricted_use_and_batch_parents(env: Env) -> None:
    limited, _ = await env.create(policies=["dev"], num_uses=5)
    assert await create_error(env, {}, token=limited) == (
        "restricted use token cannot generate child tokens")
    batch, _ = await env.create(policies=["dev"], type="batch")
    assert await create_error(env, {}, token=batch) == "batch tokens cannot create more tokens"
    assert await create_error(env, {}, token="nope") == (
        "parent token lookup failed: no parent found")


@pytest.mark.parametrize(("data", "message"), [
    ({"num_uses": 3}, 'batch tokens cannot have "num_uses" set'),
    ({"period": "1h"}, 'batch tokens cannot have "period" set'),
    ({"explicit_max_ttl": "1h"}, 'batch tokens cannot have "explicit_max_ttl" set'),
    ({"explicit_max_ttl": "zz"}, "'explicit_max_ttl' value could not be parsed"),
    ({}, "batch tokens cannot be root tokens"),
])
async def test_batch_token_restrictions(env: Env, data: dict[str, object], message: str) -> None:
    assert await create_error(env, {"type": "batch", **data}) == message


async def test_root_tokens_never_expire_unless_bounded(env: Env) -> None:
    response = await env.call("create", {"policies": ["root"]})
    assert response is not None and response.auth is not None
    assert (response.auth.lease_duration, response.auth.renewable) == (0, False)
    response = await env.call("create", {"policies": ["root"], "explicit_max_ttl": "1h"})
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == 3600
    expiring_root = response.auth.client_token
    assert await create_error(env, {"policies": ["root"]}, token=expiring_root) == (
        "expiring root tokens cannot create non-expiring root tokens")


async def test_create_against_a_role(env: Env) -> None:
    await env.call("roles/app", {"allowed_policies": "dev,foo", "path_suffix": "ver1",
                                 "orphan": True, "token_period": "1h",
                                 "token_explicit_max_ttl": "3h", "token_num_uses": 3})
    response = await env.call("create/app", {})
    assert response is not None and response.auth is not None
    auth = response.auth
    assert (auth.policies, auth.orphan, auth.num_uses, auth.lease_duration) == (
        ["default", "dev", "foo"], True, 3, 3600)
    assert response.warnings == ['Policy "foo" does not exist']
    entry = await env.entry(auth.client_token)
    assert entry is not None
    assert (entry.path, entry.role, entry.period) == ("auth/token/create/app/ver1", "app", 0)
    assert await create_error_role(env, "app", {"policies": ["bar"]}) == (
        'token policies (["bar" "default"]) must be subset of the role\'s allowed policies '
        '(["default" "dev" "foo"]) or glob policies ([])')
    assert await create_error_role(env, "nope", {}) == "unknown role nope"
    assert await create_error_role(env, "app", {"entity_alias": "x"}) == (
        "invalid 'entity_alias' value")


async def create_error_role(env: Env, role: str, data: dict[str, object]) -> str:
    with pytest.raises(InvalidRequest) as caught:
        await env.call(f"create/{role}", data)
    return str(caught.value)


async def test_role_disallowed_and_period_merge(env: Env) -> None:
    await env.call("roles/d", {"disallowed_policies": "bar", "token_period": "2h"})
    assert await create_error_role(env, "d", {"policies": ["bar"]}) == (
        'token policy "bar" is disallowed by this role')
    response = await env.call("create/d", {"policies": ["dev"], "period": "1h"})
    assert response is not None and response.auth is not None
    assert response.auth.lease_duration == 3600
    assert response.warnings[0] == (
        "Period specified both during creation call and in role; using the lesser value of "
        "3600 seconds")


async def test_role_batch_tokens(env: Env) -> None:
    await env.call("roles/b", {"token_type": "batch", "orphan": True, "renewable": False})
    response = await env.call("create/b", {"policies": ["dev"]})
    assert response is not None and response.auth is not None
    auth = response.auth
    assert auth.client_token.startswith("hvb.") and auth.accessor == ""
    assert (auth.token_type, auth.renewable, auth.orphan) == ("batch", False, True)
