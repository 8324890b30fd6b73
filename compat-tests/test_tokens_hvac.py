"""The token store through hvac's ``client.auth.token``, against pyvault and the reference.

Token strings differ by design: pyvault mints HashiCorp Vault's ``hvs.``/``hvb.`` tokens,
OpenBao 2.7.2 (without server-side consistent tokens) ``s.``/``b.`` ones.
"""

from __future__ import annotations

import re
from typing import Any

import hvac
import hvac.exceptions
import pytest
import requests
from harness import ServerProcess

SERVICE_TOKEN = re.compile(r"(hvs|s)\.[A-Za-z0-9]{24}")
BATCH_TOKEN = re.compile(r"(hvb|b)\.[A-Za-z0-9_-]+")
ACCESSOR = re.compile(r"[A-Za-z0-9]{24}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
AUTH_KEYS = {
    "client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration",
    "renewable", "entity_id", "token_type", "orphan", "mfa_requirement", "num_uses",
}
LOOKUP_KEYS = {
    "accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time",
    "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path", "policies",
    "renewable", "ttl", "type",
}
# Enough to use the token store, without sudo.
DEV_POLICY = 'path "auth/token/*" { capabilities = ["create", "read", "update", "list"] }'


@pytest.fixture(scope="module")
def root(dev_server: ServerProcess) -> hvac.Client:
    client = dev_server.client()
    client.sys.create_or_update_acl_policy(name="dev", policy=DEV_POLICY)
    return client


def create(client: hvac.Client, **params: Any) -> dict[str, Any]:
    auth: dict[str, Any] = client.auth.token.create(**params)["auth"]
    return auth


def error_of(resp: requests.Response, status: int) -> list[str]:
    assert resp.status_code == status, (resp.status_code, resp.text)
    errors: list[str] = resp.json()["errors"]
    return errors


def test_create_child_and_look_it_up(dev_server: ServerProcess, root: hvac.Client) -> None:
    auth = create(root, policies=["dev"], ttl="1h", meta={"app": "x"}, display_name="my app")
    assert set(auth) == AUTH_KEYS
    assert SERVICE_TOKEN.fullmatch(auth["client_token"]), auth["client_token"]
    assert ACCESSOR.fullmatch(auth["accessor"])
    assert auth["policies"] == auth["token_policies"] == ["default", "dev"]
    assert (auth["lease_duration"], auth["renewable"], auth["orphan"]) == (3600, True, False)
    assert (auth["metadata"], auth["token_type"], auth["num_uses"]) == ({"app": "x"}, "service", 0)

    data = root.auth.token.lookup(auth["client_token"])["data"]
    assert set(data) == LOOKUP_KEYS
    assert (data["id"], data["accessor"]) == (auth["client_token"], auth["accessor"])
    assert (data["display_name"], data["path"], data["creation_ttl"]) == (
        "token-my-app", "auth/token/create", 3600)
    assert 3590 <= data["ttl"] <= 3600 and TIMESTAMP.fullmatch(data["expire_time"])
    assert TIMESTAMP.fullmatch(data["issue_time"]) and isinstance(data["creation_time"], int)

    by_accessor = root.auth.token.lookup_accessor(auth["accessor"])["data"]
    assert by_accessor["id"] == "" and by_accessor["accessor"] == auth["accessor"]
    child = dev_server.client(auth["client_token"])
    assert child.auth.token.lookup_self()["data"]["id"] == auth["client_token"]


def test_hvac_default_display_name_and_inherited_policies(root: hvac.Client,
                                                          dev_server: ServerProcess) -> None:
    parent = create(root, policies=["dev"])
    child = create(dev_server.client(parent["client_token"]))  # hvac sends "token"
    data = root.auth.token.lookup(child["client_token"])["data"]
    assert (data["display_name"], data["policies"]) == ("token-token", ["default", "dev"])


def test_revoking_a_parent_revokes_its_tree_but_not_orphans(
    dev_server: ServerProcess, root: hvac.Client
) -> None:
    parent = create(root, policies=["dev"], ttl="2h")["client_token"]
    as_parent = dev_server.client(parent)
    child = create(as_parent)["client_token"]
    grandchild = create(dev_server.client(child))["client_token"]
    orphan = as_parent.auth.token.create_orphan(policies=["dev"])["auth"]
    assert orphan["orphan"] is True

    root.auth.token.revoke(parent)
    for token in (parent, child, grandchild):
        with pytest.raises(hvac.exceptions.Forbidden):
            root.auth.token.lookup(token)
    assert root.auth.token.lookup(orphan["client_token"])["data"]["orphan"] is True


def test_revoke_orphan_keeps_the_children(dev_server: ServerProcess, root: hvac.Client) -> None:
    parent = create(root, policies=["dev"])["client_token"]
    child = create(dev_server.client(parent))["client_token"]
    root.auth.token.revoke_and_orphan_children(parent)
    with pytest.raises(hvac.exceptions.Forbidden):
        root.auth.token.lookup(parent)
    assert root.auth.token.lookup(child)["data"]["orphan"] is True


def test_revoke_self_and_by_accessor(dev_server: ServerProcess, root: hvac.Client) -> None:
    auth = create(root, policies=["dev"])
    dev_server.client(auth["client_token"]).auth.token.revoke_self()
    with pytest.raises(hvac.exceptions.Forbidden):
        root.auth.token.lookup(auth["client_token"])
    other = create(root, policies=["dev"])
    root.auth.token.revoke_accessor(other["accessor"])
    with pytest.raises(hvac.exceptions.InvalidRequest):
        root.auth.token.lookup_accessor(other["accessor"])


def test_renewals(dev_server: ServerProcess, root: hvac.Client) -> None:
    auth = create(root, policies=["dev"], ttl="2h", explicit_max_ttl="5h")
    token = auth["client_token"]
    renewed = root.auth.token.renew(token, increment="30m")
    assert renewed["auth"]["lease_duration"] == 1800 and renewed["auth"]["client_token"] == token
    capped = root.auth.token.renew(token, increment="10h")
    assert capped["auth"]["lease_duration"] <= 18000
    assert capped["warnings"][0].startswith('TTL of "10h" exceeded the effective max_ttl of')
    by_self = dev_server.client(token).auth.token.renew_self(increment=600)
    assert by_self["auth"]["lease_duration"] == 600
    by_accessor = root.auth.token.renew_accessor(auth["accessor"], increment=900)
    assert (by_accessor["auth"]["client_token"], by_accessor["auth"]["lease_duration"]) == ("", 900)
    data = root.auth.token.lookup(token)["data"]
    assert TIMESTAMP.fullmatch(data["last_renewal"]) and data["creation_ttl"] == 7200


def test_periodic_token(root: hvac.Client) -> None:
    auth = create(root, policies=["dev"], period="1h")
    assert auth["lease_duration"] == 3600
    assert root.auth.token.lookup(auth["client_token"])["data"]["period"] == 3600


def test_roles_and_creating_against_them(root: hvac.Client) -> None:
    root.auth.token.create_or_update_role(
        "app", allowed_policies=["dev", "foo"], orphan=True, path_suffix="ver1",
        token_period="1h", token_explicit_max_ttl="3h",
    )
    role = root.auth.token.read_role("app")["data"]
    assert role == {
        "allowed_entity_aliases": None, "allowed_policies": ["dev", "foo"],
        "allowed_policies_glob": [], "disallowed_policies": [], "disallowed_policies_glob": [],
        "explicit_max_ttl": 0, "name": "app", "orphan": True, "path_suffix": "ver1",
        "period": 0, "renewable": True, "token_explicit_max_ttl": 10800,
        "token_no_default_policy": False, "token_period": 3600, "token_type": "default-service",
    }
    assert "app" in root.auth.token.list_roles()["data"]["keys"]
    response = root.auth.token.create(role_name="app", policies=["dev"])
    assert response["auth"]["orphan"] is True and response["auth"]["lease_duration"] == 3600
    data = root.auth.token.lookup(response["auth"]["client_token"])["data"]
    assert (data["path"], data["role"]) == ("auth/token/create/app/ver1", "app")
    with pytest.raises(hvac.exceptions.InvalidRequest) as caught:
        root.auth.token.create(role_name="app", policies=["bar"])
    assert caught.value.errors == [
        'token policies (["bar" "default"]) must be subset of the role\'s allowed policies '
        '(["default" "dev" "foo"]) or glob policies ([])']
    root.auth.token.delete_role("app")
    with pytest.raises(hvac.exceptions.InvalidPath):
        root.auth.token.read_role("app")


def test_batch_tokens(dev_server: ServerProcess, root: hvac.Client) -> None:
    auth = create(root, policies=["dev"], type="batch", ttl="1h")
    assert BATCH_TOKEN.fullmatch(auth["client_token"]), auth["client_token"]
    assert (auth["accessor"], auth["renewable"], auth["token_type"]) == ("", False, "batch")
    data = root.auth.token.lookup(auth["client_token"])["data"]
    assert (data["type"], data["accessor"], data["renewable"]) == ("batch", "", False)
    token = auth["client_token"]
    for path, as_token, body, message in [
        ("renew", "root", {"token": token}, "batch tokens cannot be renewed"),
        ("revoke", "root", {"token": token}, "batch tokens cannot be revoked"),
        ("create", token, {"policies": ["dev"]}, "batch tokens cannot create more tokens"),
    ]:
        resp = dev_server.request("POST", f"/v1/auth/token/{path}", token=as_token, json=body)
        assert error_of(resp, 400) == [message]


def test_limited_use_tokens(dev_server: ServerProcess, root: hvac.Client) -> None:
    token = create(root, policies=["dev"], num_uses=2)["client_token"]
    client = dev_server.client(token)
    assert client.auth.token.lookup_self()["data"]["num_uses"] == 1
    client.auth.token.lookup_self()  # the last use still works
    with pytest.raises(hvac.exceptions.Forbidden):
        client.auth.token.lookup_self()


def test_accessor_list_and_tidy(dev_server: ServerProcess, root: hvac.Client) -> None:
    accessor = create(root, policies=["dev"])["accessor"]
    assert accessor in root.auth.token.list_accessors()["data"]["keys"]
    resp = dev_server.request("POST", "/v1/auth/token/tidy")
    assert resp.status_code == 202
    assert resp.json()["warnings"][0].startswith("Tidy operation successfully started.")


CREATE_ERRORS = [
    ({"policies": ["dev", "other"]}, "child policies must be subset of parent"),
    ({"no_parent": True}, "root or sudo privileges required to create orphan token"),
    ({"period": "1h"}, "root or sudo privileges required to create periodic token"),
    ({"id": "custom"}, "root or sudo privileges required to specify token id"),
    ({"num_uses": -1}, "number of uses cannot be negative"),
    ({"ttl": "-1"}, "ttl must be positive"),
    ({"ttl": "abc"}, 'time: invalid duration "abc"'),
    ({"type": "weird"}, "invalid 'token_type' value"),
    ({"type": "batch", "num_uses": 3}, 'batch tokens cannot have "num_uses" set'),
]


@pytest.mark.parametrize(("body", "message"), CREATE_ERRORS)
def test_create_errors_for_a_non_sudo_parent(
    dev_server: ServerProcess, root: hvac.Client, body: dict[str, Any], message: str
) -> None:
    parent = create(root, policies=["dev"], ttl="2h")["client_token"]
    resp = dev_server.request("POST", "/v1/auth/token/create", token=parent, json=body)
    assert error_of(resp, 400) == [message]


REQUEST_ERRORS = [
    ("POST", "lookup", {"token": "bad"}, 403, ["bad token"]),
    ("POST", "lookup-accessor", {"accessor": "bad"}, 400,
     ["1 error occurred:\n\t* invalid accessor\n\n"]),
    ("POST", "lookup-accessor", {}, 400, ["1 error occurred:\n\t* missing accessor\n\n"]),
    ("POST", "renew", {"token": "bad"}, 400, ["token not found"]),
    ("POST", "renew", {}, 400, ["missing token ID"]),
    ("POST", "renew-accessor", {"accessor": "bad"}, 400,
     ["1 error occurred:\n\t* invalid accessor\n\n"]),
    ("POST", "revoke", {}, 400, ["missing token ID"]),
    ("POST", "revoke-orphan", {"token": "bad"}, 400, ["token to revoke not found"]),
    ("POST", "revoke-accessor", {}, 400, ["1 error occurred:\n\t* missing accessor\n\n"]),
    ("POST", "create/nope", {}, 400, ["unknown role nope"]),
    ("POST", "roles/r", {"token_type": "bogus"}, 400, ['invalid \'token_type\' value "bogus"']),
    ("POST", "roles/r", {"path_suffix": "v1"}, 400,
     ["given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w"]),
    ("POST", "roles/r", {"token_type": "batch"}, 400,
     ["'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"]),
    ("GET", "roles/nope", None, 404, []),
    ("POST", "roles/bad name", {}, 404, ["1 error occurred:\n\t* unsupported path\n\n"]),
    ("POST", "create", {"num_uses": "abc"}, 400, None),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "errors"), REQUEST_ERRORS)
def test_request_errors(
    dev_server: ServerProcess, method: str, path: str, body: dict[str, Any] | None,
    status: int, errors: list[str] | None,
) -> None:
    resp = dev_server.request(method, f"/v1/auth/token/{path}", json=body)
    got = error_of(resp, status)
    if errors is not None:
        assert got == errors


def test_revoking_unknown_things_is_quiet(dev_server: ServerProcess) -> None:
    resp = dev_server.request("POST", "/v1/auth/token/revoke", json={"token": "nonexistent"})
    assert resp.status_code == 204
    resp = dev_server.request("POST", "/v1/auth/token/revoke-accessor",
                              json={"accessor": "nonexistent"})
    assert resp.status_code == 200
    assert resp.json()["warnings"] == ["No token found with this accessor"]
