"""userpass driven directly: users, bcrypt storage, login, renewal through the method."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.auth.userpass import model
from pyvault.builtin.auth.userpass.backend import userpass_backend
from pyvault.logical.errors import InvalidRequest, NotFound, PermissionDenied
from pyvault.logical.login import LoginAuth
from pyvault.logical.operation import Operation
from tests.unit.userpass.support import Mount


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cost 4 keeps the tests fast; the algorithm and the code paths stay the same."""
    monkeypatch.setattr(model, "BCRYPT_COST", 4)


@pytest.fixture
def up() -> Mount:
    return Mount(userpass_backend, mount_point="auth/userpass/")


async def login(up: Mount, name: str, password: str) -> LoginAuth:
    response = await up.write(f"login/{name}", password=password)
    assert response is not None and isinstance(response.auth, LoginAuth)
    return response.auth


async def test_password_is_stored_only_as_bcrypt(up: Mount) -> None:
    await up.write("users/alice", password="hunter2-very-secret")
    stored = b"".join(up.raw_values())
    assert b"hunter2-very-secret" not in stored
    assert b"$2b$" in stored


async def test_login_carries_the_users_token_parameters(up: Mount) -> None:
    await up.write("users/Alice", password="pw", token_policies="b,a", token_ttl="1h",
                   token_max_ttl="2h", token_num_uses=3, token_period="0",
                   token_bound_cidrs="127.0.0.1/32", token_no_default_policy=True)
    auth = await login(up, "ALICE", "pw")
    assert auth.client_token == ""  # the core makes the token
    assert (auth.policies, auth.ttl, auth.max_ttl, auth.num_uses) == (["b", "a"], 3600, 7200, 3)
    assert (auth.metadata, auth.display_name, auth.renewable) == ({"username": "alice"},
                                                                  "alice", True)
    assert auth.bound_cidrs == ["127.0.0.1"] and auth.no_default_policy


async def test_wrong_password_and_unknown_user_get_one_answer(
    up: Mount, monkeypatch: pytest.MonkeyPatch
) -> None:
    await up.write("users/bob", password="right")
    checked: list[bytes] = []
    real = model.check_password

    async def spy(password: str, hashed: bytes) -> bool:
        checked.append(hashed)
        return await real(password, hashed)

    monkeypatch.setattr("pyvault.builtin.auth.userpass.path_login.check_password", spy)
    errors = []
    for name in ("bob", "nobody"):
        with pytest.raises(InvalidRequest) as refused:
            await login(up, name, "wrong")
        errors.append(refused.value.messages)
    assert errors == [["invalid username or password"]] * 2
    # The unknown user costs a bcrypt check too, against the dummy hash.
    assert len(checked) == 2 and all(h.startswith(b"$2b$") for h in checked)


async def test_missing_password_and_cidr_refusal(up: Mount) -> None:
    await up.write("users/far", password="p", token_bound_cidrs="10.0.0.0/8")
    with pytest.raises(InvalidRequest, match="missing password"):
        await up.write("login/far")
    with pytest.raises(PermissionDenied):
        await login(up, "far", "p")


async def test_read_list_delete(up: Mount) -> None:
    with pytest.raises(NotFound):
        await up.call(Operation.LIST, "users/")
    await up.write("users/carol", password="p", policies="P1 , p2", ttl="30m", max_ttl="1h")
    data = await up.data(Operation.READ, "users/carol")
    assert (data["policies"], data["token_policies"]) == (["p1", "p2"], ["p1", "p2"])
    assert (data["ttl"], data["max_ttl"], data["token_type"]) == (1800, 3600, "default")
    assert "password" not in data
    assert (await up.data(Operation.LIST, "users/"))["keys"] == ["carol"]
    await up.call(Operation.DELETE, "users/carol")
    with pytest.raises(NotFound):
        await up.read("users/carol")


@pytest.mark.parametrize(("body", "error"), [
    ({}, "must provide either password or password_hash"),
    ({"password": "p", "token_type": "bogus"}, "invalid 'token_type' value \"bogus\""),
    ({"password": "p", "token_ttl": 7200, "token_max_ttl": 3600},
     "'token_ttl' cannot be greater than 'token_max_ttl'"),
    ({"password": "p", "token_type": "batch", "token_num_uses": 2},
     "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with "
     "limited use count"),
    ({"password_hash": "not-bcrypt"}, "password_hash is not a valid bcrypt hash"),
    ({"password": "x" * 73}, "bcrypt: password length exceeds 72 bytes"),
])
async def test_bad_input(up: Mount, body: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await up.write("users/dave", **body)
    assert refused.value.messages == [error]
    with pytest.raises(NotFound):
        await up.read("users/dave")


async def test_password_hash_and_password_change(up: Mount) -> None:
    hashed = (await model.hash_password("from-elsewhere")).decode()
    await up.write("users/erin", password_hash=hashed)
    await login(up, "erin", "from-elsewhere")
    await up.write("users/erin/password", password="new")
    with pytest.raises(InvalidRequest):
        await login(up, "erin", "from-elsewhere")
    await login(up, "erin", "new")
    with pytest.raises(InvalidRequest, match="username does not exist"):
        await up.write("users/ghost/password", password="x")


async def test_renewal_rechecks_the_user(up: Mount) -> None:
    await up.write("users/ivy", password="p", token_policies="p1", token_ttl="30m",
                   token_max_ttl="1h")
    renewal = await up.renew("login/ivy", {"username": "ivy"}, ["default", "p1"])
    assert renewal is not None and (renewal.ttl, renewal.max_ttl) == (1800, 3600)
    await up.write("users/ivy/policies", token_policies="other")
    with pytest.raises(InvalidRequest, match="policies have changed, not renewing"):
        await up.renew("login/ivy", {"username": "ivy"}, ["default", "p1"])
    await up.call(Operation.DELETE, "users/ivy")
    assert await up.renew("login/ivy", {"username": "ivy"}, ["default", "p1"]) is None
