"""AppRole driven directly: roles, secret ids (hashed at rest), login, tidy, renewal."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.auth.approle.backend import approle_backend
from pyvault.logical.errors import CodedError, InvalidRequest, NotFound, UnsupportedPath
from pyvault.logical.login import LoginAuth
from pyvault.logical.operation import Operation
from tests.unit.userpass.support import Mount

U, R, L = Operation.UPDATE, Operation.READ, Operation.LIST


@pytest.fixture
def ar() -> Mount:
    return Mount(approle_backend, mount_point="auth/approle/")


async def role_id(ar: Mount, name: str) -> str:
    value: str = (await ar.data(R, f"role/{name}/role-id"))["role_id"]
    return value


async def secret(ar: Mount, name: str, **body: Any) -> dict[str, Any]:
    return await ar.data(U, f"role/{name}/secret-id", **body)


async def login(ar: Mount, **body: Any) -> LoginAuth:
    response = await ar.call(U, "login", body)
    assert response is not None and isinstance(response.auth, LoginAuth)
    return response.auth


async def test_role_crud_and_list(ar: Mount) -> None:
    with pytest.raises(NotFound):
        await ar.call(L, "role/")
    await ar.write("role/Web", token_policies="a,b", secret_id_num_uses=2,
                   secret_id_ttl="10m", secret_id_bound_cidrs="10.0.0.0/8")
    data = await ar.data(R, "role/web")
    assert (data["bind_secret_id"], data["secret_id_num_uses"], data["secret_id_ttl"]) == (
        True, 2, 600)
    assert data["secret_id_bound_cidrs"] == ["10.0.0.0/8"]
    assert (await ar.data(L, "role/"))["keys"] == ["web"]
    await ar.write("role/web", secret_id_ttl="5m")  # an update keeps the rest
    data = await ar.data(R, "role/web")
    assert (data["secret_id_ttl"], data["token_policies"]) == (300, ["a", "b"])
    await ar.call(Operation.DELETE, "role/web")
    with pytest.raises(NotFound):
        await ar.read("role/web")


async def test_role_ids_are_unique_and_settable(ar: Mount) -> None:
    await ar.write("role/a", role_id="first")
    await ar.write("role/b")
    with pytest.raises(InvalidRequest, match="role_id already in use"):
        await ar.write("role/b/role-id", role_id="first")
    await ar.write("role/b/role-id", role_id="second")
    assert await role_id(ar, "b") == "second"
    with pytest.raises(UnsupportedPath):
        await ar.write("role/missing/role-id", role_id="x")


async def test_secret_ids_are_stored_only_hashed(ar: Mount) -> None:
    await ar.write("role/web")
    made = await secret(ar, "web", metadata='{"k":"v"}')
    await ar.write("role/web/custom-secret-id", secret_id="custom-secret-value")
    stored = b"".join(ar.raw_values())
    assert made["secret_id"].encode() not in stored
    assert b"custom-secret-value" not in stored
    auth = await login(ar, role_id=await role_id(ar, "web"), secret_id=made["secret_id"])
    assert auth.metadata == {"k": "v", "role_name": "web"}


async def test_num_uses_expiry_and_destroy(ar: Mount) -> None:
    await ar.write("role/web", secret_id_num_uses=2, token_policies="p")
    rid = await role_id(ar, "web")
    twice = (await secret(ar, "web"))["secret_id"]
    await login(ar, role_id=rid, secret_id=twice)
    looked = await ar.data(U, "role/web/secret-id/lookup", secret_id=twice)
    assert looked["secret_id_num_uses"] == 1
    await login(ar, role_id=rid, secret_id=twice)
    with pytest.raises(InvalidRequest, match="invalid role or secret ID"):
        await login(ar, role_id=rid, secret_id=twice)
    brief = (await secret(ar, "web", ttl="60s"))["secret_id"]
    ar.clock.advance(61)
    with pytest.raises(InvalidRequest, match="invalid role or secret ID"):
        await login(ar, role_id=rid, secret_id=brief)
    gone = await secret(ar, "web")
    await ar.write("role/web/secret-id-accessor/destroy",
                   secret_id_accessor=gone["secret_id_accessor"])
    with pytest.raises(InvalidRequest, match="invalid role or secret ID"):
        await login(ar, role_id=rid, secret_id=gone["secret_id"])


async def test_cidr_restrictions(ar: Mount) -> None:
    await ar.write("role/far", secret_id_bound_cidrs="10.0.0.0/8")
    far = (await secret(ar, "far"))["secret_id"]
    with pytest.raises(InvalidRequest, match="unauthorized by CIDR restrictions on the role"):
        await login(ar, role_id=await role_id(ar, "far"), secret_id=far)
    ar.remote_addr = "10.1.2.3"
    await login(ar, role_id=await role_id(ar, "far"), secret_id=far)
    with pytest.raises(InvalidRequest, match="failed to verify subset relationship"):
        await secret(ar, "far", cidr_list="192.168.0.0/16")
    bound = (await secret(ar, "far", cidr_list="10.9.0.0/16"))["secret_id"]
    with pytest.raises(InvalidRequest, match="restrictions on the secret ID"):
        await login(ar, role_id=await role_id(ar, "far"), secret_id=bound)


async def test_role_without_secret_id_needs_a_constraint(ar: Mount) -> None:
    with pytest.raises(InvalidRequest, match="at least one constraint"):
        await ar.write("role/open", bind_secret_id=False)
    await ar.write("role/open", bind_secret_id=False, token_bound_cidrs="127.0.0.1",
                   role_id="open-id")
    auth = await login(ar, role_id="open-id")
    assert auth.bound_cidrs == ["127.0.0.1"] and auth.metadata == {"role_name": "open"}
    with pytest.raises(InvalidRequest, match="bind_secret_id is not set on the role"):
        await secret(ar, "open")


@pytest.mark.parametrize(("body", "error"), [
    ({"num_uses": 5}, "num_uses cannot be higher than the role's secret_id_num_uses"),
    ({"num_uses": -1}, "num_uses cannot be negative"),
    ({"ttl": "1h"}, "ttl cannot be longer than the role's secret_id_ttl"),
    ({"metadata": "notjson"},
     "failed to parse metadata: failed to parse the input: invalid <key,value> format"),
])
async def test_bad_secret_id_input(ar: Mount, body: dict[str, Any], error: str) -> None:
    await ar.write("role/web", secret_id_num_uses=2, secret_id_ttl="10m")
    with pytest.raises(InvalidRequest) as refused:
        await secret(ar, "web", **body)
    assert refused.value.messages == [error]


async def test_missing_role_and_accessor(ar: Mount) -> None:
    with pytest.raises(CodedError) as refused:
        await secret(ar, "nope")
    assert refused.value.code == 404
    await ar.write("role/web")
    response = await ar.call(U, "role/web/secret-id-accessor/lookup",
                             {"secret_id_accessor": "nope"})
    assert response is not None and response.not_found_with_data
    assert await ar.call(U, "role/web/secret-id/lookup", {"secret_id": "nope"}) is None


async def test_tidy_removes_expired_secret_ids(ar: Mount) -> None:
    await ar.write("role/web")
    await secret(ar, "web", ttl="60s")
    keep = await secret(ar, "web")
    ar.clock.advance(61)
    response = await ar.call(U, "tidy/secret-id")
    assert response is not None and response.status == 202
    assert (await ar.data(L, "role/web/secret-id/"))["keys"] == [keep["secret_id_accessor"]]


async def test_renewal_needs_the_role(ar: Mount) -> None:
    await ar.write("role/web", token_ttl="20m", token_max_ttl="1h")
    renewal = await ar.renew("login", {"role_name": "web"}, ["default"])
    assert renewal is not None and (renewal.ttl, renewal.max_ttl) == (1200, 3600)
    await ar.call(Operation.DELETE, "role/web")
    with pytest.raises(InvalidRequest, match='role "web" does not exist during renewal'):
        await ar.renew("login", {"role_name": "web"}, ["default"])
