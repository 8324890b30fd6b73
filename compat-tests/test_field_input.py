"""Framework-level input rules, against pyvault and the reference:

- duration fields refuse negative values (``cannot provide negative value '-5'``) on
  every backend, except signed ones (KV v2's config ``delete_version_after``);
- a bad duration reads as parseutil words it (``time: invalid duration "abc"``,
  ``could not parse duration from input``, ``time: missing unit ...``);
- bad input on a path with an existence check is reported by that check, before the
  ACL and without the handler's ``Field validation failed: `` prefix;
- a DELETE's body is ignored (only its query string is input), even when it is not JSON;
- ``root`` stands alone wherever policies are parsed (userpass and AppRole).
"""

from __future__ import annotations

from typing import Any

import hvac
import pytest
import requests
from harness import ServerProcess

PREFIX = "Field validation failed: "
NEGATIVE = "error converting input for field \"{}\": cannot provide negative value '-5'"


@pytest.fixture(scope="module")
def root(dev_server: ServerProcess) -> hvac.Client:
    client = dev_server.client()
    client.sys.enable_auth_method("approle", path="approle")
    client.sys.enable_auth_method("userpass", path="userpass")
    client.sys.enable_secrets_engine("transit", path="transit")
    client.sys.enable_secrets_engine("totp", path="totp")
    client.sys.enable_secrets_engine("pki", path="pki")
    client.sys.enable_secrets_engine("kv", path="kv2", options={"version": "2"})
    assert dev_server.request("POST", "/v1/auth/approle/role/r",
                              json={"token_ttl": 5}).status_code == 204
    assert dev_server.request("POST", "/v1/transit/keys/k", json={}).status_code in (200, 204)
    return client


def call(server: ServerProcess, method: str, path: str, body: Any = None,
         **kwargs: Any) -> requests.Response:
    return server.request(method, f"/v1/{path}", json=body, **kwargs)


def errors(resp: requests.Response) -> tuple[int, list[str]]:
    return resp.status_code, resp.json()["errors"]


def weak_token(server: ServerProcess, root: hvac.Client, policy: str = "") -> str:
    if policy:
        root.sys.create_or_update_policy(name="weak", policy=policy)
    created = root.auth.token.create(policies=["weak" if policy else "default"])
    token: str = created["auth"]["client_token"]
    return token


# (path, field, prefixed): prefixed = the path has no existence check in the reference.
NEGATIVE_CASES = [
    ("auth/approle/role/r", "token_ttl", False),
    ("auth/approle/role/r", "secret_id_ttl", False),
    ("auth/approle/role/r/token-ttl", "token_ttl", True),
    ("auth/approle/role/r/secret-id", "ttl", True),
    ("auth/token/roles/x", "token_period", False),
    ("auth/token/roles/x", "explicit_max_ttl", False),
    ("auth/token/renew-self", "increment", True),
    ("sys/leases/renew", "increment", True),
    ("auth/userpass/users/u", "ttl", False),
    ("auth/userpass/users/u", "token_max_ttl", False),
    ("transit/keys/k/config", "auto_rotate_period", True),
    ("pki/roles/r", "ttl", True),
    ("pki/roles/r", "not_before_duration", True),
    ("pki/tidy", "safety_buffer", True),
    ("kv2/metadata/a", "delete_version_after", False),
]


@pytest.mark.parametrize(("path", "name", "prefixed"), NEGATIVE_CASES)
def test_negative_durations_are_refused(dev_server: ServerProcess, root: hvac.Client,
                                        path: str, name: str, prefixed: bool) -> None:
    body = {name: -5, "password": "p", "lease_id": "x"} if "userpass" in path or "leases" \
        in path else {name: -5}
    expected = (PREFIX if prefixed else "") + NEGATIVE.format(name)
    assert errors(call(dev_server, "POST", path, body)) == (400, [expected])
    as_text = call(dev_server, "POST", path, {**body, name: "-5s"})
    assert errors(as_text) == (400, [expected])


def test_totp_period_is_refused_too(dev_server: ServerProcess, root: hvac.Client) -> None:
    resp = call(dev_server, "POST", "totp/keys/t",
                {"generate": True, "issuer": "a", "account_name": "b", "period": -5})
    assert errors(resp) == (400, [PREFIX + NEGATIVE.format("period")])


def test_a_signed_duration_takes_a_negative_value(dev_server: ServerProcess,
                                                  root: hvac.Client) -> None:
    assert call(dev_server, "POST", "kv2/config", {"delete_version_after": -5}).status_code \
        == 204
    config = call(dev_server, "GET", "kv2/config").json()["data"]
    assert config["delete_version_after"] == "-1s"  # any negative value: disabled
    assert call(dev_server, "POST", "kv2/config", {"delete_version_after": 0}).status_code == 204


@pytest.mark.parametrize(("value", "reason"), [
    ("abc", 'time: invalid duration "abc"'),
    (True, "could not parse duration from input"),
    ([1], "could not parse duration from input"),
    (1.5, 'time: missing unit in duration "1.5"'),
    ("5x", 'time: unknown unit "x" in duration "5x"'),
    ("x d", 'strconv.ParseInt: parsing "x ": invalid syntax'),
    (9999999999999,
     "multiplication of durations resulted in overflow, one operand may be too large"),
])
def test_bad_durations_read_as_parseutil_words_them(dev_server: ServerProcess,
                                                    root: hvac.Client, value: Any,
                                                    reason: str) -> None:
    text = f'error converting input for field "token_ttl": {reason}'
    assert errors(call(dev_server, "POST", "auth/approle/role/r", {"token_ttl": value})) == (
        400, [text])
    assert errors(call(dev_server, "POST", "auth/approle/role/r/token-ttl",
                       {"token_ttl": value})) == (400, [PREFIX + text])


@pytest.mark.parametrize(("value", "seconds"), [("1.9s", 1), ("-0.5s", 0), ("1d", 86400),
                                                ("+5", 5), (None, 86400)])
def test_durations_are_whole_seconds_truncated(dev_server: ServerProcess, root: hvac.Client,
                                               value: Any, seconds: int) -> None:
    if value is None:  # null: not given, the previous value stays
        assert call(dev_server, "POST", "auth/approle/role/r/token-ttl",
                    {"token_ttl": "1d"}).status_code == 204
    assert call(dev_server, "POST", "auth/approle/role/r", {"token_ttl": value}).status_code \
        == 204
    read = call(dev_server, "GET", "auth/approle/role/r/token-ttl").json()["data"]
    assert read == {"token_ttl": seconds}


def test_existence_check_validates_before_the_acl(dev_server: ServerProcess,
                                                  root: hvac.Client) -> None:
    token = weak_token(dev_server, root)
    bad = call(dev_server, "POST", "auth/approle/role/r", {"token_ttl": -5}, token=token)
    assert errors(bad) == (400, [NEGATIVE.format("token_ttl")])
    good = call(dev_server, "POST", "auth/approle/role/r", {"token_ttl": 5}, token=token)
    assert errors(good) == (403, ["1 error occurred:\n\t* permission denied\n\n"])
    no_check = call(dev_server, "POST", "auth/approle/role/r/token-ttl", {"token_ttl": -5},
                    token=token)
    assert errors(no_check) == (403, ["1 error occurred:\n\t* permission denied\n\n"])


def test_pki_roles_need_update_not_create(dev_server: ServerProcess, root: hvac.Client) -> None:
    """The reference's PKI role path has no existence check: a write is an update."""
    token = weak_token(dev_server, root, 'path "pki/roles/*" { capabilities = ["create"] }')
    resp = call(dev_server, "POST", "pki/roles/fresh", {"ttl": "1h"}, token=token)
    assert errors(resp) == (403, ["1 error occurred:\n\t* permission denied\n\n"])


def test_a_delete_body_is_ignored(dev_server: ServerProcess, root: hvac.Client) -> None:
    made = call(dev_server, "POST", "auth/approle/role/r/secret-id").json()["data"]
    base = "auth/approle/role/r/secret-id"
    for body in ({"secret_id": made["secret_id"]}, {"secret_id": 5}):
        resp = call(dev_server, "DELETE", f"{base}/destroy", body)
        assert errors(resp) == (400, ["missing secret_id"])
    not_json = dev_server.request("DELETE", f"/v1/{base}/destroy", data='{"secret_id":',
                                  headers={"Content-Type": "application/json"})
    assert errors(not_json) == (400, ["missing secret_id"])
    resp = call(dev_server, "DELETE", f"{base}-accessor/destroy",
                {"secret_id_accessor": made["secret_id_accessor"]})
    assert errors(resp) == (400, ["missing secret_id_accessor"])
    keys = call(dev_server, "LIST", base).json()["data"]["keys"]
    assert made["secret_id_accessor"] in keys  # nothing was destroyed
    resp = call(dev_server, "DELETE", f"{base}/destroy",
                params={"secret_id": made["secret_id"]})
    assert resp.status_code == 204  # the query string is the DELETE's input


def test_a_kv_delete_body_does_not_pick_versions(dev_server: ServerProcess,
                                                 root: hvac.Client) -> None:
    for value in (1, 2):
        assert call(dev_server, "POST", "kv2/data/doc", {"data": {"v": value}}).ok
    assert call(dev_server, "DELETE", "kv2/data/doc", {"versions": [1]}).status_code == 204
    versions = call(dev_server, "GET", "kv2/metadata/doc").json()["data"]["versions"]
    assert (versions["1"]["deletion_time"], bool(versions["2"]["deletion_time"])) == ("", True)


def read_user(server: ServerProcess) -> dict[str, Any]:
    data: dict[str, Any] = call(server, "GET", "auth/userpass/users/pu").json()["data"]
    return data


def test_root_stands_alone_in_userpass(dev_server: ServerProcess, root: hvac.Client) -> None:
    path = "auth/userpass/users/pu"
    assert call(dev_server, "POST", path, {"password": "p", "policies": "a,root,B"}).ok
    user = read_user(dev_server)
    assert (user["policies"], user["token_policies"]) == (["root"], ["root"])
    assert call(dev_server, "POST", path, {"token_policies": "a,root,B"}).ok
    assert read_user(dev_server)["token_policies"] == ["a", "root", "B"]  # as given
    assert call(dev_server, "POST", f"{path}/policies", {"token_policies": "b,root"}).ok
    user = read_user(dev_server)
    assert user["token_policies"] == ["root"] and "policies" not in user
    assert call(dev_server, "POST", f"{path}/policies",
                {"token_policies": "b,A, a,default"}).ok
    assert read_user(dev_server)["token_policies"] == ["a", "b", "default"]
    assert call(dev_server, "POST", f"{path}/policies",
                {"policies": "root", "token_policies": "x,Y"}).ok
    user = read_user(dev_server)
    assert (user["policies"], user["token_policies"]) == (["x", "y"], ["x", "y"])


def test_root_stands_alone_in_approle(dev_server: ServerProcess, root: hvac.Client) -> None:
    path = "auth/approle/role/pol"
    assert call(dev_server, "POST", path, {"token_policies": "a,root,B"}).status_code == 204
    assert call(dev_server, "GET", path).json()["data"]["token_policies"] == ["a", "root", "B"]
    assert call(dev_server, "POST", path, {"policies": "b,ROOT"}).status_code == 204
    assert call(dev_server, "GET", f"{path}/policies").json()["data"] == {
        "policies": ["root"], "token_policies": ["root"]}
    assert call(dev_server, "POST", f"{path}/policies",
                {"token_policies": "a,root"}).status_code == 204
    assert call(dev_server, "GET", f"{path}/policies").json()["data"] == {
        "token_policies": ["root"]}


def test_null_leaves_a_duration_unset_but_zeroes_other_types(dev_server: ServerProcess,
                                                            root: hvac.Client) -> None:
    path = "auth/userpass/users/nul"
    assert call(dev_server, "POST", path, {"password": "p", "token_num_uses": 3,
                                           "token_ttl": 60, "token_no_default_policy": True}).ok
    assert call(dev_server, "POST", path, {"token_num_uses": None, "token_ttl": None,
                                           "token_no_default_policy": None}).ok
    data = call(dev_server, "GET", path).json()["data"]
    assert (data["token_num_uses"], data["token_ttl"], data["token_no_default_policy"]) == (
        0, 60, False)
    missing = call(dev_server, "POST", "auth/approle/role/r/token-ttl", {"token_ttl": None})
    assert errors(missing) == (400, ["missing token_ttl"])  # null: not given
