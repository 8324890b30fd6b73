"""auth/token/lookup, lookup-self, lookup-accessor: the reference's fields and errors."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest, PermissionDenied
from pyvault.logical.operation import Operation
from tests.unit.token.support import Env, make_env

LOOKUP_KEYS = {
    "accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time",
    "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path", "policies",
    "renewable", "ttl", "type",
}


@pytest.fixture
async def env() -> Env:
    return await make_env()


async def test_lookup_shows_the_reference_fields(env: Env) -> None:
    token, accessor = await env.create(policies=["dev"], ttl="2h", meta={"app": "x"},
                                       display_name="My App!", num_uses=5,
                                       explicit_max_ttl="5h")
    env.clock.advance(1.4)
    response = await env.call("lookup", {"token": token})
    assert response is not None and response.data is not None
    data = response.data
    assert set(data) == LOOKUP_KEYS
    assert data["id"] == token and data["accessor"] == accessor
    assert data["creation_time"] == int(env.clock.now() - 1.4)
    assert (data["creation_ttl"], data["ttl"], data["explicit_max_ttl"]) == (7200, 7199, 18000)
    assert (data["display_name"], data["meta"], data["num_uses"]) == (
        "token-My-App", {"app": "x"}, 5)
    assert (data["orphan"], data["path"], data["type"], data["renewable"]) == (
        False, "auth/token/create", "service", True)
    assert data["issue_time"] == "2023-11-14T22:13:20Z"
    assert data["expire_time"] == "2023-11-15T00:13:20Z"


async def test_lookup_self_and_default_to_the_caller(env: Env) -> None:
    token, _ = await env.create(policies=["dev"], num_uses=5)
    response = await env.call("lookup-self", token=token, op=Operation.READ)
    assert response is not None and response.data is not None
    assert response.data["id"] == token and response.data["num_uses"] == 4  # this use counted
    response = await env.call("lookup", token=token, op=Operation.READ)
    assert response is not None and response.data is not None and response.data["id"] == token


async def test_root_token_from_init_has_no_lease_fields(env: Env) -> None:
    response = await env.call("lookup-self", op=Operation.READ)
    assert response is not None and response.data is not None
    data = response.data
    assert "issue_time" not in data and "renewable" not in data
    assert (data["expire_time"], data["ttl"], data["path"], data["orphan"]) == (
        None, 0, "auth/token/root", True)


async def test_root_token_from_create_has_a_non_expiring_lease(env: Env) -> None:
    token, _ = await env.create(policies=["root"])
    response = await env.call("lookup", {"token": token})
    assert response is not None and response.data is not None
    assert response.data["renewable"] is False and response.data["expire_time"] is None
    assert "issue_time" in response.data


async def test_lookup_errors(env: Env) -> None:
    with pytest.raises(PermissionDenied) as denied:
        await env.call("lookup", {"token": "bad"})
    assert denied.value.messages == ["bad token"]
    with pytest.raises(InvalidRequest) as bad:
        await env.call("lookup-accessor", {"accessor": "bad"})
    assert str(bad.value) == "1 error occurred:\n\t* invalid accessor\n\n"
    with pytest.raises(InvalidRequest) as missing:
        await env.call("lookup-accessor", {})
    assert str(missing.value) == "1 error occurred:\n\t* missing accessor\n\n"


async def test_lookup_accessor_hides_the_id(env: Env) -> None:
    _token, accessor = await env.create(policies=["dev"])
    response = await env.call("lookup-accessor", {"accessor": accessor})
    assert response is not None and response.data is not None
    assert response.data["id"] == "" and response.data["accessor"] == accessor


async def test_period_role_and_cidrs_appear_when_set(env: Env) -> None:
    await env.call("roles/c", {"token_bound_cidrs": "127.0.0.1/32,10.0.0.0/8"})
    token, _ = await env.create(period="1h")
    response = await env.call("create/c", {"policies": ["dev"]})
    assert response is not None and response.auth is not None
    by_role = await env.call("lookup", {"token": response.auth.client_token})
    periodic = await env.call("lookup", {"token": token})
    assert by_role is not None and by_role.data is not None
    assert periodic is not None and periodic.data is not None
    assert by_role.data["role"] == "c"
    assert by_role.data["bound_cidrs"] == ["127.0.0.1", "10.0.0.0/8"]
    assert periodic.data["period"] == 3600 and "role" not in periodic.data


async def test_batch_token_lookup(env: Env) -> None:
    token, accessor = await env.create(policies=["dev"], type="batch", ttl="1h")
    assert accessor == "" and token.startswith("hvb.")
    response = await env.call("lookup", {"token": token})
    assert response is not None and response.data is not None
    data = response.data
    assert (data["type"], data["accessor"], data["renewable"], data["ttl"]) == (
        "batch", "", False, 3600)
    assert data["expire_time"] == "2023-11-14T23:13:20Z"
    env.clock.advance(3601)
    with pytest.raises(PermissionDenied):
        await env.call("lookup", {"token": token})
    with pytest.raises(PermissionDenied):
        await env.call("lookup", {"token": "hvb.garbage"})
