"""sys/leases/* on token leases, through hvac and raw HTTP, against both servers.

HashiCorp Vault still serves the unprefixed sys/renew, sys/revoke, sys/revoke-prefix and
sys/revoke-force; OpenBao 2.7.2 removed them (404). pyvault follows Vault: see
``test_unprefixed_lease_paths``.
"""

from __future__ import annotations

import re
from typing import Any

import hvac
import hvac.exceptions
import pytest
import requests
from harness import ServerProcess

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
TOKEN_LEASE = re.compile(r"h[0-9a-f]{40,64}|[0-9a-f]{40}")


@pytest.fixture(scope="module")
def root(dev_server: ServerProcess) -> hvac.Client:
    return dev_server.client()


def token_via_role(root: hvac.Client, role: str, **params: Any) -> dict[str, Any]:
    """A token whose lease sits alone under auth/token/create/<role>/sfx/."""
    root.auth.token.create_or_update_role(role, path_suffix="sfx", **params)
    auth: dict[str, Any] = root.auth.token.create(role_name=role, policies=["default"],
                                                  ttl="1h")["auth"]
    return auth


def lease_of(root: hvac.Client, role: str) -> str:
    keys = root.sys.list_leases(f"auth/token/create/{role}/sfx")["data"]["keys"]
    assert len(keys) == 1 and TOKEN_LEASE.fullmatch(keys[0]), keys
    return f"auth/token/create/{role}/sfx/{keys[0]}"


def errors(resp: requests.Response, status: int) -> list[str]:
    assert resp.status_code == status, (resp.status_code, resp.text)
    found: list[str] = resp.json()["errors"]
    return found


def alive(root: hvac.Client, token: str) -> bool:
    try:
        root.auth.token.lookup(token)
    except hvac.exceptions.Forbidden:
        return False
    return True


def test_lookup_a_token_lease(root: hvac.Client) -> None:
    token_via_role(root, "look")
    lease_id = lease_of(root, "look")
    data = root.sys.read_lease(lease_id)["data"]
    assert set(data) == {"id", "issue_time", "expire_time", "last_renewal", "renewable", "ttl",
                         "path"}
    assert (data["id"], data["path"], data["renewable"]) == (
        lease_id, "auth/token/create/look/sfx", True)
    assert data["last_renewal"] is None and 3590 <= data["ttl"] <= 3600
    assert TIMESTAMP.fullmatch(data["issue_time"]) and TIMESTAMP.fullmatch(data["expire_time"])
    listed = root.sys.list_leases("auth/token/create/look")["data"]["keys"]
    assert listed == ["sfx/"]


def test_token_leases_cannot_be_renewed_here(root: hvac.Client) -> None:
    token_via_role(root, "renewer")
    with pytest.raises(hvac.exceptions.InvalidRequest) as caught:
        root.sys.renew_lease(lease_of(root, "renewer"), increment=60)
    assert caught.value.errors == ["tokens cannot be renewed through this endpoint"]


def test_revoking_a_token_lease_revokes_the_token(root: hvac.Client) -> None:
    auth = token_via_role(root, "revoker")
    root.sys.revoke_lease(lease_of(root, "revoker"))
    assert not alive(root, auth["client_token"])
    with pytest.raises(hvac.exceptions.InvalidPath):
        root.sys.list_leases("auth/token/create/revoker/sfx")


def test_revoke_prefix_and_force(root: hvac.Client) -> None:
    first = token_via_role(root, "pfx")["client_token"]
    second = root.auth.token.create(role_name="pfx", policies=["default"])["auth"]
    root.sys.revoke_prefix("auth/token/create/pfx")
    assert not alive(root, first) and not alive(root, second["client_token"])
    forced = token_via_role(root, "forced")["client_token"]
    root.sys.revoke_force("auth/token/create/forced/")
    assert not alive(root, forced)


def test_async_revoke_answers_202(dev_server: ServerProcess, root: hvac.Client) -> None:
    auth = token_via_role(root, "later")
    resp = dev_server.request("PUT", "/v1/sys/leases/revoke",
                              json={"lease_id": lease_of(root, "later"), "sync": False})
    assert (resp.status_code, resp.content) == (202, b"")
    resp = dev_server.request("PUT", "/v1/sys/leases/revoke-prefix/auth/token/create/later",
                              json={"sync": False})
    assert resp.status_code == 202
    assert auth


LEASE_ERRORS = [
    ("PUT", "leases/lookup", {"lease_id": "nope"}, 400, ["invalid lease"]),
    ("PUT", "leases/lookup", {}, 400, ["lease_id must be specified"]),
    ("PUT", "leases/renew", {"lease_id": "nope"}, 400, ["lease not found"]),
    ("PUT", "leases/renew", {}, 400, ["lease_id must be specified"]),
    ("PUT", "leases/revoke", {}, 400, ["lease_id must be specified"]),
    ("LIST", "leases/lookup/nope/", None, 404, []),
    ("GET", "leases/count", None, 404, []),
    ("GET", "leases", None, 404, []),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "expected"), LEASE_ERRORS)
def test_lease_errors(dev_server: ServerProcess, method: str, path: str,
                      body: dict[str, Any] | None, status: int, expected: list[str]) -> None:
    assert errors(dev_server.request(method, f"/v1/sys/{path}", json=body), status) == expected


def test_unknown_leases_revoke_quietly(dev_server: ServerProcess) -> None:
    for path, body in [("leases/revoke", {"lease_id": "nope/x"}), ("leases/revoke/nope/x", {}),
                       ("leases/revoke-prefix/nope", {}), ("leases/revoke-force/nope", {})]:
        resp = dev_server.request("PUT", f"/v1/sys/{path}", json=body)
        assert resp.status_code == 204, (path, resp.text)


def test_tidy_count_and_irrevocable_list(dev_server: ServerProcess) -> None:
    resp = dev_server.request("PUT", "/v1/sys/leases/tidy")
    assert resp.status_code == 202
    assert resp.json()["warnings"][0].startswith("Tidy operation successfully started.")
    count = dev_server.request("GET", "/v1/sys/leases/count?type=irrevocable")
    assert count.status_code == 200 and count.json()["data"] == {"counts": {}, "lease_count": 0}
    listed = dev_server.request("GET", "/v1/sys/leases?type=irrevocable")
    assert listed.status_code == 200 and listed.json()["data"] == {"lease_count": 0,
                                                                   "leases": []}


@pytest.mark.parametrize("path", ["renew", "revoke", "revoke-prefix/nope", "revoke-force/nope"])
def test_unprefixed_lease_paths(dev_server: ServerProcess, path: str) -> None:
    body = {"lease_id": "nope/x"} if "prefix" not in path and "force" not in path else None
    resp = dev_server.request("PUT", f"/v1/sys/{path}", json=body)
    if dev_server.kind == "reference":  # OpenBao dropped them
        assert errors(resp, 404) == ["1 error occurred:\n\t* unsupported path\n\n"]
    elif path == "renew":  # HashiCorp Vault still serves them, as pyvault does
        assert errors(resp, 400) == ["lease not found"]
    else:
        assert resp.status_code == 204
