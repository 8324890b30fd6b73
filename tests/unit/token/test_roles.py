"""auth/token/roles: what a read shows, how writes are validated and merged."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from tests.unit.token.support import Env, make_env

EMPTY_ROLE: dict[str, object] = {
    "allowed_entity_aliases": None, "allowed_policies": [], "allowed_policies_glob": [],
    "disallowed_policies": [], "disallowed_policies_glob": [], "explicit_max_ttl": 0,
    "name": "r1", "orphan": False, "path_suffix": "", "period": 0, "renewable": True,
    "token_explicit_max_ttl": 0, "token_no_default_policy": False, "token_period": 0,
    "token_type": "default-service",
}


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def read(env: Env, name: str) -> dict[str, object] | None:
    response = await env.call(f"roles/{name}", op=Operation.READ)
    return None if response is None else response.data


async def test_empty_role_reads_like_the_reference(env: Env) -> None:
    assert await env.call("roles/r1", {}, op=Operation.CREATE) is None
    assert await read(env, "r1") == EMPTY_ROLE


async def test_lists_are_cleaned_and_optional_fields_appear(env: Env) -> None:
    response = await env.call("roles/c", {
        "token_bound_cidrs": "127.0.0.1/32,10.0.0.0/8,192.168.1.5", "bound_cidrs": "1.2.3.4",
        "allowed_entity_aliases": "B,a,b", "token_num_uses": 2,
        "allowed_policies": "B,a,Default", "disallowed_policies": "Z,z",
    })
    assert response is not None and response.warnings == [
        "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the "
        "deprecated value"]
    data = await read(env, "c")
    assert data is not None
    assert data["allowed_entity_aliases"] == ["a", "b"]
    assert data["allowed_policies"] == ["a", "b", "default"]
    assert data["disallowed_policies"] == ["z"]
    assert data["token_bound_cidrs"] == ["127.0.0.1", "10.0.0.0/8", "192.168.1.5"]
    assert data["token_num_uses"] == 2 and "bound_cidrs" not in data


async def test_deprecated_fields_and_updates(env: Env) -> None:
    await env.call("roles/c3", {"period": "1h", "explicit_max_ttl": 60})
    data = await read(env, "c3")
    assert data is not None
    assert (data["period"], data["token_period"]) == (3600, 3600)
    assert (data["explicit_max_ttl"], data["token_explicit_max_ttl"]) == (60, 60)
    await env.call("roles/c3", {"orphan": True})  # an update keeps what it does not name
    data = await read(env, "c3")
    assert data is not None and data["orphan"] is True and data["token_period"] == 3600
    response = await env.call("roles/c3", {"token_period": "1h", "period": "2h",
                                           "token_explicit_max_ttl": "2h",
                                           "explicit_max_ttl": "3h"})
    assert response is not None and len(response.warnings) == 2
    data = await read(env, "c3")
    assert data is not None and (data["period"], data["explicit_max_ttl"]) == (0, 0)


async def test_explicit_max_above_the_mount_max_warns(env: Env) -> None:
    response = await env.call("roles/r4", {"token_explicit_max_ttl": "10000h"})
    assert response is not None and response.warnings == [
        "Given explicit max TTL of 36000000 is greater than system/mount allowed value of "
        "2764800 seconds; until this is fixed attempting to create tokens against this role "
        "will result in an error"]


@pytest.mark.parametrize(("data", "message"), [
    ({"token_type": "bogus"}, "invalid 'token_type' value \"bogus\""),
    ({"token_type": None}, "Invalid 'token_type' value: null"),
    ({"path_suffix": "v1"},
     "given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w"),
    ({"path_suffix": "abc/../x"},
     "error registering path suffix: path cannot contain parent references"),
    ({"token_type": "batch"},
     "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"),
    ({"token_type": "batch", "orphan": True},
     "'token_type' cannot be 'batch' when role is set to generate renewable tokens"),
    ({"token_type": "batch", "orphan": True, "renewable": False, "token_period": "1h"},
     "'token_type' cannot be 'batch' when role is set to generate periodic tokens"),
    ({"token_bound_cidrs": "nope"},
     'error parsing role fields: error parsing address "nope": Unable to convert "nope" to '
     "an IPv4 or IPv6 address, or a UNIX Socket"),
    ({"token_num_uses": -1}, "error parsing role fields: 'token_num_uses' cannot be negative"),
    ({"token_period": "-5"},
     "error converting input for field \"token_period\": cannot provide negative value '-5'"),
])
async def test_invalid_roles(env: Env, data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await env.call("roles/bad", data)
    assert str(caught.value) == message
    assert await read(env, "bad") is None


async def test_list_and_delete(env: Env) -> None:
    assert await env.call("roles/", op=Operation.LIST) is None
    for name in ("b", "a"):
        await env.call(f"roles/{name}", {})
    response = await env.call("roles/", op=Operation.LIST)
    assert response is not None and response.data == {"keys": ["a", "b"]}
    assert await env.call("roles/a", op=Operation.DELETE) is None
    assert await env.call("roles/nope", op=Operation.DELETE) is None
    assert await read(env, "a") is None


async def test_existence_check_tells_create_from_update(env: Env) -> None:
    request = Request(operation=Operation.UPDATE, path="roles/x", data={})
    assert await env.backend.exists(request) is False
    await env.call("roles/x", {})
    assert await env.backend.exists(request) is True
