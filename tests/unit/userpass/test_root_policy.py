"""Vault's ``policyutil.ParsePolicies`` rule that ``root`` stands alone, applied by the
shared tokenutil parser wherever Vault parses policies (checked on OpenBao 2.7.2):
userpass's and AppRole's legacy ``policies``, both ``/policies`` endpoints — while a
user or role write keeps ``token_policies`` exactly as given."""

from __future__ import annotations

import pytest

from pyvault.builtin.auth.approle.backend import approle_backend
from pyvault.builtin.auth.tokenutil import parse_policies
from pyvault.builtin.auth.userpass import model
from pyvault.builtin.auth.userpass.backend import userpass_backend
from pyvault.logical.operation import Operation
from tests.unit.userpass.support import Mount


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "BCRYPT_COST", 4)


@pytest.mark.parametrize(("given", "parsed"), [
    (["b", " A", "a", ""], ["a", "b"]),
    (["a", "ROOT ", "b"], ["root"]),
    (["default", "x"], ["default", "x"]),
    ([], []),
])
def test_parse_policies(given: list[str], parsed: list[str]) -> None:
    assert parse_policies(given) == parsed


async def user(up: Mount) -> dict[str, object]:
    return await up.data(Operation.READ, "users/u")


async def test_userpass_legacy_policies_with_root() -> None:
    up = Mount(userpass_backend, mount_point="auth/userpass/")
    await up.write("users/u", password="p", policies="a,root,B")
    data = await user(up)
    assert (data["policies"], data["token_policies"]) == (["root"], ["root"])
    await up.write("users/u", token_policies="a,root,B")  # a user write keeps it as given
    assert (await user(up))["token_policies"] == ["a", "root", "B"]


async def test_userpass_policies_endpoint_parses_token_policies() -> None:
    up = Mount(userpass_backend, mount_point="auth/userpass/")
    await up.write("users/u", password="p", policies="old")
    await up.write("users/u/policies", token_policies="a,root")
    data = await user(up)
    assert data["token_policies"] == ["root"]
    assert "policies" not in data  # the legacy copy goes when only token_policies is given
    await up.write("users/u/policies", token_policies="b,A, a,default")
    assert (await user(up))["token_policies"] == ["a", "b", "default"]
    await up.write("users/u/policies", policies="b,root", token_policies="x,Y")
    data = await user(up)
    assert (data["policies"], data["token_policies"]) == (["x", "y"], ["x", "y"])


async def test_approle_keeps_root_alone() -> None:
    ar = Mount(approle_backend, mount_point="auth/approle/")
    await ar.write("role/r", token_policies="a,root,B")
    assert (await ar.data(Operation.READ, "role/r"))["token_policies"] == ["a", "root", "B"]
    await ar.write("role/r", policies="b,ROOT")
    assert (await ar.data(Operation.READ, "role/r/policies")) == {
        "policies": ["root"], "token_policies": ["root"]}
    await ar.write("role/r/policies", token_policies="a,root,B")
    assert (await ar.data(Operation.READ, "role/r/policies")) == {"token_policies": ["root"]}
