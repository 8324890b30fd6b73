"""AppRole's per-field role endpoints (``role/<name>/<field>``), secret id destroy by
DELETE with a query string, and the "auth" tag of help and OpenAPI on auth mounts,
against pyvault and the reference.

Known, deliberate differences (each asserted per server where it shows):
- OpenBao 2.7.2 answers 404 "unsupported path" for every verb on
  ``role/<name>/bind-secret-id``, although its OpenAPI lists the path and its source
  declares it; pyvault serves it as HashiCorp Vault does.
- OpenBao stores a negative ``token_num_uses`` (and then refuses every later write of
  the whole role); pyvault refuses it with the role write's text.
- OpenBao answers 500 when a change would leave a role with no constraint, or names a
  missing role on secret id destroy; pyvault keeps the text and answers 400.
"""

from __future__ import annotations

import json
from typing import Any

import hvac
import pytest
import requests
from harness import ServerProcess

MOUNT = "approle"
ROLE = f"/v1/auth/{MOUNT}/role"
UNSUPPORTED = {"errors": ["1 error occurred:\n\t* unsupported path\n\n"]}
NO_CONSTRAINT = "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n"
SEGMENTS = ["policies", "secret-id-num-uses", "secret-id-ttl", "token-ttl", "token-max-ttl",
            "period", "bind-secret-id", "secret-id-bound-cidrs", "token-bound-cidrs",
            "token-num-uses", "bound-cidr-list", "local-secret-ids"]


@pytest.fixture(scope="module")
def root(dev_server: ServerProcess) -> hvac.Client:
    client = dev_server.client()
    client.sys.enable_auth_method("approle", path=MOUNT)
    return client


def call(server: ServerProcess, method: str, path: str, body: dict[str, Any] | None = None,
         **kwargs: Any) -> requests.Response:
    return server.request(method, f"{ROLE}/{path}", json=body, **kwargs)


def data_of(resp: requests.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def fresh_role(server: ServerProcess, name: str, **body: Any) -> None:
    call(server, "DELETE", name)
    assert call(server, "POST", name, body).status_code == 204


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
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": "10.0.0.0/24, 192.168.0.0/16"},
     {"secret_id_bound_cidrs": ["10.0.0.0/24", "192.168.0.0/16"]},
     {"secret_id_bound_cidrs": None}),
    ("token-bound-cidrs", {"token_bound_cidrs": "10.0.0.1/32,10.2.0.0/16"},
     {"token_bound_cidrs": ["10.0.0.1", "10.2.0.0/16"]}, {"token_bound_cidrs": None}),
    ("token-num-uses", {"token_num_uses": 5}, {"token_num_uses": 5}, {"token_num_uses": 0}),
]


@pytest.mark.parametrize(("segment", "body", "shown", "reset"), ROUND_TRIPS)
def test_write_read_and_reset(dev_server: ServerProcess, root: hvac.Client, segment: str,
                              body: dict[str, Any], shown: dict[str, Any],
                              reset: dict[str, Any]) -> None:
    fresh_role(dev_server, "fields")
    assert call(dev_server, "POST", f"fields/{segment}", body).status_code == 204
    assert data_of(call(dev_server, "GET", f"fields/{segment}")) == shown
    assert call(dev_server, "DELETE", f"fields/{segment}").status_code == 204
    assert data_of(call(dev_server, "GET", f"fields/{segment}")) == reset


def test_the_cli_reads_and_writes_a_field(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "cli")
    path = f"auth/{MOUNT}/role/cli/token-ttl"
    wrote = dev_server.bao("write", path, "token_ttl=20m", token="root")
    assert wrote.returncode == 0, wrote.stderr
    out = dev_server.bao("read", "-format=json", path, token="root")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["data"] == {"token_ttl": 1200}


@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_missing_role(dev_server: ServerProcess, root: hvac.Client, segment: str) -> None:
    read = call(dev_server, "GET", f"nope/{segment}")
    write = call(dev_server, "POST", f"nope/{segment}", {})
    delete = call(dev_server, "DELETE", f"nope/{segment}")
    if segment == "bind-secret-id" and dev_server.kind == "reference":
        assert read.status_code == write.status_code == delete.status_code == 404
        return
    assert (read.status_code, read.json()) == (404, {"errors": []})
    if segment == "local-secret-ids":  # read-only
        for resp in (write, delete):
            assert (resp.status_code, resp.json()) == (
                405, {"errors": ["1 error occurred:\n\t* unsupported operation\n\n"]})
        return
    assert (write.status_code, write.json()) == (404, UNSUPPORTED)
    assert delete.status_code == 204
    assert call(dev_server, "GET", "nope").status_code == 404  # nothing was created


@pytest.mark.parametrize(("segment", "body", "error"), [
    ("policies", {}, "missing token_policies"),
    ("secret-id-num-uses", {}, "missing secret_id_num_uses"),
    ("secret-id-ttl", {}, "missing secret_id_ttl"),
    ("token-ttl", {}, "missing token_ttl"),
    ("token-max-ttl", {}, "missing token_max_ttl"),
    ("period", {}, "missing period"),
    ("token-num-uses", {}, "missing token_num_uses"),
    ("secret-id-num-uses", {"secret_id_num_uses": -1}, "secret_id_num_uses cannot be negative"),
    ("secret-id-ttl", {"secret_id_ttl": "-1h"}, 'Field validation failed: error converting '
     'input for field "secret_id_ttl": cannot provide negative value \'-3600\''),
    ("token-num-uses", {"token_num_uses": "x"}, 'Field validation failed: error converting '
     'input for field "token_num_uses": \'\' cannot parse value as \'int\': strconv.ParseInt: '
     'invalid syntax'),
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": ""}, "missing bound_cidr_list"),
    ("secret-id-bound-cidrs", {"secret_id_bound_cidrs": "10.0.0.1"},
     "failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1"),
    ("bound-cidr-list", {"bound_cidr_list": "bad"},
     "failed to validate CIDR blocks: invalid CIDR address: bad"),
    ("token-bound-cidrs", {"token_bound_cidrs": "bad"},
     'failed to parse token_bound_cidrs: error parsing address "bad": Unable to convert "bad" '
     "to an IPv4 or IPv6 address, or a UNIX Socket"),
    ("period", {"token_period": "100000h"}, 'period of "0s" is greater than the backend\'s '
     'maximum lease TTL of "768h0m0s"'),
])
def test_bad_input_is_refused(dev_server: ServerProcess, root: hvac.Client, segment: str,
                              body: dict[str, Any], error: str) -> None:
    fresh_role(dev_server, "bad", token_ttl="30m")
    resp = call(dev_server, "POST", f"bad/{segment}", body)
    assert (resp.status_code, resp.json()) == (400, {"errors": [error]})


def test_ttl_ordering(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "order", token_ttl="30m", token_max_ttl="1h")
    for segment, body, error in [
        ("token-ttl", {"token_ttl": "2h"}, "token_ttl should not be greater than token_max_ttl"),
        ("token-max-ttl", {"token_max_ttl": "10m"},
         "token_max_ttl should be greater than or equal to token_ttl"),
    ]:
        resp = call(dev_server, "POST", f"order/{segment}", body)
        assert (resp.status_code, resp.json()) == (400, {"errors": [error]})
    assert call(dev_server, "POST", "order/token-max-ttl", {"token_max_ttl": 0}).status_code \
        == 204


def test_legacy_policies_and_period(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "legacy")
    assert call(dev_server, "POST", "legacy/policies", {"policies": "X, y ,x"}).status_code \
        == 204
    assert data_of(call(dev_server, "GET", "legacy/policies")) == {
        "policies": ["x", "y"], "token_policies": ["x", "y"]}
    role = data_of(call(dev_server, "GET", "legacy"))
    assert (role["policies"], role["token_policies"]) == (["x", "y"], ["x", "y"])
    call(dev_server, "POST", "legacy/policies", {"token_policies": "a,ROOT"})
    assert data_of(call(dev_server, "GET", "legacy/policies")) == {"token_policies": ["root"]}
    call(dev_server, "POST", "legacy/period", {"period": "2m"})
    assert data_of(call(dev_server, "GET", "legacy/period")) == {
        "period": 120, "token_period": 120}
    call(dev_server, "POST", "legacy/period", {"token_period": "1m"})
    assert data_of(call(dev_server, "GET", "legacy/period")) == {"token_period": 60}


def test_the_deprecated_bound_cidr_list(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "old")
    assert call(dev_server, "POST", "old/bound-cidr-list",
                {"bound_cidr_list": "172.16.0.0/12"}).status_code == 204
    assert data_of(call(dev_server, "GET", "old/secret-id-bound-cidrs")) == {
        "secret_id_bound_cidrs": ["172.16.0.0/12"]}
    resp = call(dev_server, "GET", "old/bound-cidr-list")
    assert data_of(resp) == {"bound_cidr_list": None}
    assert resp.json()["warnings"] == ['The "bound_cidr_list" field is deprecated and will be '
                                       'removed. Please use "secret_id_bound_cidrs" instead.']
    assert call(dev_server, "DELETE", "old/bound-cidr-list").status_code == 204
    assert data_of(call(dev_server, "GET", "old/secret-id-bound-cidrs")) == {
        "secret_id_bound_cidrs": ["172.16.0.0/12"]}


def test_a_role_keeps_one_constraint(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "open", bind_secret_id=False, secret_id_bound_cidrs="127.0.0.0/8")
    resp = call(dev_server, "DELETE", "open/secret-id-bound-cidrs")
    assert resp.status_code in (400, 500)  # OpenBao: 500 (see the module docstring)
    assert resp.json() == {"errors": [NO_CONSTRAINT]}
    assert data_of(call(dev_server, "GET", "open/secret-id-bound-cidrs")) == {
        "secret_id_bound_cidrs": ["127.0.0.0/8"]}


def test_local_secret_ids_is_read_only(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "local", local_secret_ids=True)
    assert data_of(call(dev_server, "GET", "local/local-secret-ids")) == {
        "local_secret_ids": True}
    assert call(dev_server, "POST", "local/local-secret-ids",
                {"local_secret_ids": False}).status_code == 405


def test_field_changes_reach_the_next_login(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "live")
    call(dev_server, "POST", "live/token-ttl", {"token_ttl": "15m"})
    call(dev_server, "POST", "live/policies", {"token_policies": "p1"})
    rid = data_of(call(dev_server, "GET", "live/role-id"))["role_id"]
    secret = data_of(call(dev_server, "POST", "live/secret-id", {}))["secret_id"]
    auth = dev_server.client(token=None).auth.approle.login(rid, secret,
                                                            mount_point=MOUNT)["auth"]
    assert (auth["lease_duration"], auth["policies"]) == (900, ["default", "p1"])


def test_bind_secret_id(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "bind", secret_id_bound_cidrs="127.0.0.0/8")
    write = call(dev_server, "POST", "bind/bind-secret-id", {"bind_secret_id": False})
    if dev_server.kind == "reference":  # see the module docstring
        assert (write.status_code, write.json()) == (404, UNSUPPORTED)
        return
    assert write.status_code == 204
    assert data_of(call(dev_server, "GET", "bind/bind-secret-id")) == {"bind_secret_id": False}
    rid = data_of(call(dev_server, "GET", "bind/role-id"))["role_id"]
    login = dev_server.request("POST", f"/v1/auth/{MOUNT}/login", token=None,
                               json={"role_id": rid})
    assert login.status_code == 200
    missing = call(dev_server, "POST", "bind/bind-secret-id", {})
    assert (missing.status_code, missing.json()) == (400, {"errors": ["missing bind_secret_id"]})
    assert call(dev_server, "DELETE", "bind/bind-secret-id").status_code == 204
    assert data_of(call(dev_server, "GET", "bind/bind-secret-id")) == {"bind_secret_id": True}


def test_negative_token_num_uses(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "neg")
    resp = call(dev_server, "POST", "neg/token-num-uses", {"token_num_uses": -2})
    if dev_server.kind == "reference":  # stored; see the module docstring
        assert resp.status_code == 204
        return
    assert (resp.status_code, resp.json()) == (
        400, {"errors": ["'token_num_uses' cannot be negative"]})


def test_cidr_lists_read_null_until_given(dev_server: ServerProcess,
                                          root: hvac.Client) -> None:
    fresh_role(dev_server, "nil")
    assert data_of(call(dev_server, "GET", "nil/token-bound-cidrs")) == {
        "token_bound_cidrs": None}
    call(dev_server, "POST", "nil/token-bound-cidrs", {"token_bound_cidrs": ""})
    assert data_of(call(dev_server, "GET", "nil/token-bound-cidrs")) == {"token_bound_cidrs": []}
    fresh_role(dev_server, "empty", secret_id_bound_cidrs="")
    assert data_of(call(dev_server, "GET", "empty/secret-id-bound-cidrs")) == {
        "secret_id_bound_cidrs": []}
    assert data_of(call(dev_server, "GET", "empty"))["secret_id_bound_cidrs"] == []


def test_secret_id_prefix_is_not_a_role_field(dev_server: ServerProcess,
                                              root: hvac.Client) -> None:
    """Vault's SecretIDPrefix is a storage detail chosen by local_secret_ids: the role
    write ignores the name (204, so no warning) and no read shows it."""
    fresh_role(dev_server, "prefix", secret_id_prefix="custom/")
    assert "secret_id_prefix" not in data_of(call(dev_server, "GET", "prefix"))
    assert call(dev_server, "GET", "prefix/secret-id-prefix").status_code == 404


# ---- secret id destroy by DELETE with the parameters in the query string --------------

def new_secret(server: ServerProcess, role: str) -> dict[str, Any]:
    made: dict[str, Any] = data_of(call(server, "POST", f"{role}/secret-id", {}))
    return made


def secret_is_gone(server: ServerProcess, role: str, secret_id: str) -> bool:
    return call(server, "POST", f"{role}/secret-id/lookup",
                {"secret_id": secret_id}).status_code == 204


def test_destroy_by_delete_with_a_query(dev_server: ServerProcess, root: hvac.Client) -> None:
    fresh_role(dev_server, "gone")
    made = new_secret(dev_server, "gone")
    resp = call(dev_server, "DELETE", "gone/secret-id/destroy",
                params={"secret_id": made["secret_id"]})
    assert resp.status_code == 204 and secret_is_gone(dev_server, "gone", made["secret_id"])
    made = new_secret(dev_server, "gone")
    resp = call(dev_server, "DELETE", "gone/secret-id-accessor/destroy",
                params={"secret_id_accessor": made["secret_id_accessor"]})
    assert resp.status_code == 204 and secret_is_gone(dev_server, "gone", made["secret_id"])
    for path, error in [("gone/secret-id/destroy", "missing secret_id"),
                        ("gone/secret-id-accessor/destroy", "missing secret_id_accessor")]:
        resp = call(dev_server, "DELETE", path)
        assert (resp.status_code, resp.json()) == (400, {"errors": [error]})
    unknown = call(dev_server, "DELETE", "gone/secret-id/destroy", params={"secret_id": "no"})
    assert unknown.status_code == 204
    missing = call(dev_server, "DELETE", "nope/secret-id/destroy", params={"secret_id": "x"})
    assert missing.status_code in (400, 500)  # OpenBao: 500 (see the module docstring)
    assert missing.json() == {"errors": ['1 error occurred:\n\t* role "nope" does not exist\n\n']}


def test_destroy_by_delete_through_hvac_and_the_cli(dev_server: ServerProcess,
                                                    root: hvac.Client) -> None:
    fresh_role(dev_server, "tools")
    made = new_secret(dev_server, "tools")
    # hvac's approle helpers destroy by POST; its adapter sends the DELETE form.
    root.adapter.delete(f"/v1/auth/{MOUNT}/role/tools/secret-id-accessor/destroy",
                        params={"secret_id_accessor": made["secret_id_accessor"]})
    assert secret_is_gone(dev_server, "tools", made["secret_id"])
    made = new_secret(dev_server, "tools")
    out = dev_server.bao("delete", f"auth/{MOUNT}/role/tools/secret-id/destroy",
                         f"secret_id={made['secret_id']}", token="root")
    assert out.returncode == 0, out.stderr
    assert secret_is_gone(dev_server, "tools", made["secret_id"])
    made = new_secret(dev_server, "tools")
    out = dev_server.bao("delete", f"auth/{MOUNT}/role/tools/secret-id-accessor/destroy",
                         f"secret_id_accessor={made['secret_id_accessor']}", token="root")
    assert out.returncode == 0, out.stderr
    assert secret_is_gone(dev_server, "tools", made["secret_id"])


# ---- help and OpenAPI tag auth paths "auth" -------------------------------------------

def tags_of(document: dict[str, Any]) -> set[str]:
    return {tag for item in document["paths"].values() for op in item.values()
            if isinstance(op, dict) for tag in op.get("tags", [])}


@pytest.mark.parametrize("path", ["role", "role/web/policies", "role/web/secret-id-ttl"])
def test_help_on_an_auth_mount_is_tagged_auth(dev_server: ServerProcess, root: hvac.Client,
                                              path: str) -> None:
    resp = dev_server.request("GET", f"/v1/auth/{MOUNT}/{path}?help=1")
    assert resp.status_code == 200
    assert tags_of(resp.json()["openapi"]) == {"auth"}


def test_openapi_lists_the_field_paths(dev_server: ServerProcess, root: hvac.Client) -> None:
    spec = dev_server.request("GET", "/v1/sys/internal/specs/openapi").json()
    prefix = f"/auth/{MOUNT}/role/{{role_name}}/"
    fields = {path[len(prefix):]: item for path, item in spec["paths"].items()
              if path.startswith(prefix) and path[len(prefix):] in SEGMENTS}
    assert sorted(fields) == sorted(SEGMENTS)
    for segment, item in fields.items():
        verbs = {v for v in ("get", "post", "delete") if v in item}
        assert verbs == ({"get"} if segment == "local-secret-ids" else {"get", "post", "delete"})
        assert tags_of({"paths": {segment: item}}) == {"auth"}


# ---- a token without the capability is refused ----------------------------------------

REFUSED = [(method, f"web/{segment}") for segment in SEGMENTS
           for method in (("GET",) if segment == "local-secret-ids"
                          else ("GET", "POST", "DELETE"))] + [
    ("DELETE", "web/secret-id/destroy?secret_id=x"),
    ("DELETE", "web/secret-id-accessor/destroy?secret_id_accessor=x"),
]


@pytest.mark.parametrize(("method", "path"), REFUSED)
def test_paths_refuse_a_token_without_capability(dev_server: ServerProcess, root: hvac.Client,
                                                 method: str, path: str) -> None:
    root.sys.create_or_update_acl_policy(
        name="read-role-only", policy=f'path "auth/{MOUNT}/role/web" {{ capabilities = ["read"] }}')
    token = root.auth.token.create(policies=["read-role-only"], ttl="10m")["auth"]["client_token"]
    resp = call(dev_server, method, path, {} if method == "POST" else None, token=token)
    assert (resp.status_code, resp.json()) == (403, {"errors": ["1 error occurred:\n\t* "
                                                                "permission denied\n\n"]})
