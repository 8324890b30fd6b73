"""AppRole's per-field endpoints (role/<name>/<field>) and the auth tag of ?help=1."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.auth.approle.backend import approle_backend
from pyvault.builtin.auth.approle.path_role_fields import ROLE_FIELD_TABLE, go_duration
from pyvault.builtin.secrets.kv.backend import kv_backend
from pyvault.logical.errors import InvalidRequest, NotFound, UnsupportedOperation, UnsupportedPath
from pyvault.logical.login import LoginAuth
from pyvault.logical.operation import Operation
from tests.unit.userpass.support import Mount

R, U, D = Operation.READ, Operation.UPDATE, Operation.DELETE


@pytest.fixture
async def ar() -> Mount:
    mount = Mount(approle_backend, mount_point="auth/approle/")
    await mount.write("role/web")
    return mount


async def read(ar: Mount, segment: str, role: str = "web") -> dict[str, Any]:
    return await ar.data(R, f"role/{role}/{segment}")


async def refused(ar: Mount, operation: Operation, path: str, **body: Any) -> list[str]:
    with pytest.raises(InvalidRequest) as caught:
        await ar.call(operation, path, body)
    return caught.value.messages


# (segment, body of a write, what the read then shows, what it shows after DELETE)
ROUND_TRIPS = [
    ("policies", {"token_policies": "B, a,a"}, {"token_policies": ["a", "b"]},
     {"token_policies": []}),
    ("secret-id-num-uses", {"secret_id_num_uses": "7"}, {"secret_id_num_uses": 7},
     {"secret_id_num_uses": 0}),
    ("secret-id-ttl", {"secret_id_ttl": "90m"}, {"secret_id_ttl": 5400}, {"secret_id_ttl": 0}),
    ("token-ttl", {"token_ttl": "10m"}, {"token_ttl": 600}, {"token_ttl": 0}),
    ("token-max-ttl", {"token_max_ttl": "1h"}, {"token_max_ttl": 3600}, {"token_max_ttl": 0}),
    ("period", {"token_period": "5m"}, {"token_period": 300}, {"token_period": 0}),
    ("bind-secret-id", {"bind_secret_id": "true"}, {"bind_secret_id": True},
     {"bind_secret_id": True}),
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": "10.0.0.0/8, 192.168.0.0/16"},
     {"secret_id_bound_cidrs": ["10.0.0.0/8", "192.168.0.0/16"]},
     {"secret_id_bound_cidrs": None}),
    ("token-bound-cidrs", {"token_bound_cidrs": ["10.0.0.1/32", "10.2.0.0/16"]},
     {"token_bound_cidrs": ["10.0.0.1", "10.2.0.0/16"]}, {"token_bound_cidrs": None}),
    ("token-num-uses", {"token_num_uses": 5}, {"token_num_uses": 5}, {"token_num_uses": 0}),
]


def test_the_table_covers_every_vault_field_endpoint() -> None:
    assert sorted(spec.segment for spec in ROLE_FIELD_TABLE) == sorted([
        "policies", "secret-id-num-uses", "secret-id-ttl", "token-ttl", "token-max-ttl",
        "period", "bind-secret-id", "secret-id-bound-cidrs", "token-bound-cidrs",
        "token-num-uses", "bound-cidr-list", "local-secret-ids"])


@pytest.mark.parametrize(("segment", "body", "shown", "reset"), ROUND_TRIPS)
async def test_write_read_and_reset(ar: Mount, segment: str, body: dict[str, Any],
                                    shown: dict[str, Any], reset: dict[str, Any]) -> None:
    assert await ar.call(U, f"role/web/{segment}", body) is None  # 204
    assert await read(ar, segment) == shown
    role = await ar.data(R, "role/web")
    key = next(iter(shown))
    assert role[key] == (shown[key] or [] if key == "token_bound_cidrs" else shown[key])
    assert await ar.call(D, f"role/web/{segment}") is None
    assert await read(ar, segment) == reset


@pytest.mark.parametrize("spec", ROLE_FIELD_TABLE, ids=lambda s: s.segment)
async def test_a_missing_role(ar: Mount, spec: Any) -> None:
    with pytest.raises(NotFound):
        await ar.call(R, f"role/nope/{spec.segment}")
    if spec.read_only:
        with pytest.raises(UnsupportedOperation):
            await ar.call(U, f"role/nope/{spec.segment}", {spec.key: True})
        with pytest.raises(UnsupportedOperation):
            await ar.call(D, f"role/nope/{spec.segment}")
        return
    with pytest.raises(UnsupportedPath) as caught:
        await ar.call(U, f"role/nope/{spec.segment}", {})
    assert caught.value.messages == ["1 error occurred:\n\t* unsupported path\n\n"]
    assert await ar.call(D, f"role/nope/{spec.segment}") is None  # nothing to reset
    with pytest.raises(NotFound):
        await ar.read("role/nope")  # and nothing was created


@pytest.mark.parametrize(("segment", "error"), [
    ("policies", "missing token_policies"),
    ("secret-id-num-uses", "missing secret_id_num_uses"),
    ("secret-id-ttl", "missing secret_id_ttl"),
    ("token-ttl", "missing token_ttl"),
    ("token-max-ttl", "missing token_max_ttl"),
    ("period", "missing period"),
    ("bind-secret-id", "missing bind_secret_id"),
    ("token-num-uses", "missing token_num_uses"),
])
async def test_a_write_without_the_field_is_refused(ar: Mount, segment: str,
                                                    error: str) -> None:
    assert await refused(ar, U, f"role/web/{segment}") == [error]


@pytest.mark.parametrize("segment", ["secret-id-bound-cidrs", "token-bound-cidrs",
                                     "bound-cidr-list"])
async def test_a_cidr_write_without_the_field_changes_nothing(ar: Mount, segment: str) -> None:
    await ar.write("role/web", secret_id_bound_cidrs="10.0.0.0/8", token_bound_cidrs="10.0.0.1")
    before = await ar.data(R, "role/web")
    # The other CIDR fields are not this endpoint's: Vault drops them.
    assert await ar.call(U, f"role/web/{segment}",
                         {"token_bound_cidrs" if segment != "token-bound-cidrs"
                          else "secret_id_bound_cidrs": "1.0.0.0/8"}) is None
    assert await ar.data(R, "role/web") == before


async def test_legacy_policies_are_kept_beside_token_policies(ar: Mount) -> None:
    await ar.write("role/web/policies", policies="X, y ,x")
    assert await read(ar, "policies") == {"policies": ["x", "y"], "token_policies": ["x", "y"]}
    role = await ar.data(R, "role/web")
    assert (role["policies"], role["token_policies"]) == (["x", "y"], ["x", "y"])
    await ar.write("role/web/policies", token_policies="Q,p", policies="ignored")
    assert await read(ar, "policies") == {"policies": ["p", "q"], "token_policies": ["p", "q"]}
    await ar.write("role/web/policies", token_policies=["b", "a"])  # legacy copy goes
    assert await read(ar, "policies") == {"token_policies": ["a", "b"]}
    assert "policies" not in await ar.data(R, "role/web")
    await ar.write("role/web/policies", token_policies="a,root,b")
    assert await read(ar, "policies") == {"token_policies": ["root"]}


async def test_legacy_period_and_the_mount_limit(ar: Mount) -> None:
    await ar.write("role/web/period", period="2m")
    assert await read(ar, "period") == {"period": 120, "token_period": 120}
    await ar.write("role/web/period", token_period="1m")
    assert await read(ar, "period") == {"token_period": 60}
    # Vault's text names the legacy period, "0s" when only token_period was given.
    assert await refused(ar, U, "role/web/period", token_period="100000h") == [
        'period of "0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"']
    assert await refused(ar, U, "role/web/period", period="800h") == [
        'period of "800h0m0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"']
    assert await read(ar, "period") == {"token_period": 60}  # unchanged


async def test_ttl_and_max_ttl_stay_ordered(ar: Mount) -> None:
    await ar.write("role/web/token-max-ttl", token_max_ttl="1h")
    assert await refused(ar, U, "role/web/token-ttl", token_ttl="2h") == [
        "token_ttl should not be greater than token_max_ttl"]
    await ar.write("role/web/token-ttl", token_ttl="30m")
    assert await refused(ar, U, "role/web/token-max-ttl", token_max_ttl="10m") == [
        "token_max_ttl should be greater than or equal to token_ttl"]
    await ar.write("role/web/token-max-ttl", token_max_ttl=0)  # 0: no maximum
    assert (await read(ar, "token-ttl"), await read(ar, "token-max-ttl")) == (
        {"token_ttl": 1800}, {"token_max_ttl": 0})


@pytest.mark.parametrize(("segment", "body", "error"), [
    ("secret-id-num-uses", {"secret_id_num_uses": -1}, "secret_id_num_uses cannot be negative"),
    # OpenBao stores this one; pyvault refuses it as its role write does.
    ("token-num-uses", {"token_num_uses": -2}, "'token_num_uses' cannot be negative"),
    ("secret-id-ttl", {"secret_id_ttl": "-5"}, 'Field validation failed: error converting '
     'input for field "secret_id_ttl": cannot provide negative value \'-5\''),
    ("token-ttl", {"token_ttl": "-1h"}, 'Field validation failed: error converting input for '
     'field "token_ttl": cannot provide negative value \'-3600\''),
    ("secret-id-num-uses", {"secret_id_num_uses": "abc"}, 'Field validation failed: error '
     'converting input for field "secret_id_num_uses": \'\' cannot parse value as \'int\': '
     'strconv.ParseInt: invalid syntax'),
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": ""}, "missing bound_cidr_list"),
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": "10.0.0.1"},
     "failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1"),
    ("bound-cidr-list", {"bound_cidr_list": "bad"},
     "failed to validate CIDR blocks: invalid CIDR address: bad"),
    ("token-bound-cidrs", {"token_bound_cidrs": "bad"},
     'failed to parse token_bound_cidrs: error parsing address "bad": Unable to convert "bad" '
     "to an IPv4 or IPv6 address, or a UNIX Socket"),
])
async def test_bad_values_are_refused(ar: Mount, segment: str, body: dict[str, Any],
                                      error: str) -> None:
    before = await ar.data(R, "role/web")
    assert await refused(ar, U, f"role/web/{segment}", **body) == [error]
    assert await ar.data(R, "role/web") == before


async def test_the_deprecated_bound_cidr_list(ar: Mount) -> None:
    await ar.write("role/web/bound-cidr-list", bound_cidr_list="172.16.0.0/12")
    assert await read(ar, "secret-id-bound-cidrs") == {"secret_id_bound_cidrs": ["172.16.0.0/12"]}
    response = await ar.read("role/web/bound-cidr-list")
    assert response is not None and response.data == {"bound_cidr_list": None}  # as Vault
    assert response.warnings == ['The "bound_cidr_list" field is deprecated and will be '
                                 'removed. Please use "secret_id_bound_cidrs" instead.']
    await ar.call(D, "role/web/bound-cidr-list")  # clears only the legacy field
    assert await read(ar, "secret-id-bound-cidrs") == {"secret_id_bound_cidrs": ["172.16.0.0/12"]}


async def test_a_role_keeps_one_constraint(ar: Mount) -> None:
    await ar.write("role/open", bind_secret_id=False, secret_id_bound_cidrs="127.0.0.0/8")
    assert await refused(ar, D, "role/open/secret-id-bound-cidrs") == [
        "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n"]
    assert await refused(ar, U, "role/web/bind-secret-id", bind_secret_id=False) == [
        "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n"]
    await ar.write("role/web/token-bound-cidrs", token_bound_cidrs="127.0.0.1")
    await ar.write("role/web/bind-secret-id", bind_secret_id=False)
    assert await read(ar, "bind-secret-id") == {"bind_secret_id": False}


async def test_local_secret_ids_is_read_only(ar: Mount) -> None:
    await ar.write("role/local", local_secret_ids=True)
    assert await read(ar, "local-secret-ids", "local") == {"local_secret_ids": True}
    assert await read(ar, "local-secret-ids") == {"local_secret_ids": False}
    with pytest.raises(UnsupportedOperation):
        await ar.write("role/local/local-secret-ids", local_secret_ids=False)


async def test_role_names_are_case_insensitive(ar: Mount) -> None:
    await ar.write("role/WEB/token-num-uses", token_num_uses=3)
    assert await read(ar, "token-num-uses", "Web") == {"token_num_uses": 3}


async def test_field_changes_reach_the_next_login(ar: Mount) -> None:
    await ar.write("role/web/token-ttl", token_ttl="15m")
    await ar.write("role/web/policies", token_policies="p1")
    await ar.write("role/web/token-bound-cidrs", token_bound_cidrs="127.0.0.1")
    await ar.write("role/web/bind-secret-id", bind_secret_id=False)
    rid = (await ar.data(R, "role/web/role-id"))["role_id"]
    response = await ar.call(U, "login", {"role_id": rid})
    assert response is not None and isinstance(response.auth, LoginAuth)
    assert (response.auth.ttl, response.auth.policies, response.auth.bound_cidrs) == (
        900, ["p1"], ["127.0.0.1"])


async def test_secret_id_destroy_by_delete(ar: Mount) -> None:
    made = await ar.data(U, "role/web/secret-id")
    await ar.call(D, "role/web/secret-id/destroy", {"secret_id": made["secret_id"]})
    assert await ar.call(U, "role/web/secret-id/lookup", {"secret_id": made["secret_id"]}) \
        is None
    other = await ar.data(U, "role/web/secret-id")
    await ar.call(D, "role/web/secret-id-accessor/destroy",
                  {"secret_id_accessor": other["secret_id_accessor"]})
    assert await ar.call(U, "role/web/secret-id/lookup", {"secret_id": other["secret_id"]}) \
        is None
    assert await refused(ar, D, "role/web/secret-id/destroy") == ["missing secret_id"]
    assert await refused(ar, D, "role/nope/secret-id/destroy", secret_id="x") == [
        '1 error occurred:\n\t* role "nope" does not exist\n\n']


def test_go_duration() -> None:
    assert [go_duration(s) for s in (0, 45, 90, 3600, 2_764_800)] == [
        "0s", "45s", "1m30s", "1h0m0s", "768h0m0s"]


async def help_tags(mount: Mount, path: str) -> set[str]:
    response = await mount.call(Operation.HELP, path)
    assert response is not None and response.data is not None
    return {tag for item in response.data["openapi"]["paths"].values()
            for op in item.values() if isinstance(op, dict) for tag in op["tags"]}


async def test_help_is_tagged_auth_on_an_auth_mount(ar: Mount) -> None:
    assert await help_tags(ar, "role/web/policies") == await help_tags(ar, "role") == {"auth"}
    assert await help_tags(Mount(kv_backend, mount_point="secret/"), "foo") == {"secrets"}


async def test_cidr_lists_read_null_until_given(ar: Mount) -> None:
    """Vault tells a never-set list (null) from a list set empty ([])."""
    assert await read(ar, "token-bound-cidrs") == {"token_bound_cidrs": None}
    assert (await ar.data(R, "role/web"))["secret_id_bound_cidrs"] is None
    await ar.write("role/web/token-bound-cidrs", token_bound_cidrs="")
    assert await read(ar, "token-bound-cidrs") == {"token_bound_cidrs": []}
    await ar.write("role/empty", secret_id_bound_cidrs="", token_bound_cidrs="")
    assert await read(ar, "secret-id-bound-cidrs", "empty") == {"secret_id_bound_cidrs": []}
    assert await read(ar, "token-bound-cidrs", "empty") == {"token_bound_cidrs": []}
    await ar.write("role/empty", token_ttl="1m")  # an update without them keeps them
    assert await read(ar, "token-bound-cidrs", "empty") == {"token_bound_cidrs": []}


async def test_secret_id_prefix_is_not_a_role_field(ar: Mount) -> None:
    """Vault's SecretIDPrefix is a storage detail chosen by local_secret_ids."""
    assert await ar.write("role/web", secret_id_prefix="custom/") is None
    assert "secret_id_prefix" not in await ar.data(R, "role/web")


@pytest.mark.parametrize("name", ["secret_id_ttl", "token_ttl", "token_max_ttl", "token_period",
                                  "token_explicit_max_ttl", "period"])
async def test_the_role_write_refuses_negative_durations(ar: Mount, name: str) -> None:
    """The framework refuses them; role/<name> validates inside its existence check,
    so the reference's text has no "Field validation failed: " prefix there."""
    assert await refused(ar, U, "role/web", **{name: "-1m"}) == [
        f'error converting input for field "{name}": cannot provide negative value \'-60\'']
