"""Every auth/token/ and sys/leases/ path refuses a token without the capability (403),
and the sudo-protected ones refuse a token without sudo."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from harness import ServerProcess

NOTHING = 'path "secret/*" { capabilities = ["read"] }'
LIST_ONLY = '''
path "auth/token/accessors" { capabilities = ["list"] }
path "auth/token/accessors/" { capabilities = ["list"] }
path "sys/leases/lookup/*" { capabilities = ["list"] }
path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }
path "sys/leases/revoke-force/*" { capabilities = ["update"] }
'''
WITH_SUDO = LIST_ONLY.replace('["list"]', '["list", "sudo"]').replace(
    '["update"]', '["update", "sudo"]')

TOKEN_PATHS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "auth/token/create", {}),
    ("POST", "auth/token/create-orphan", {}),
    ("POST", "auth/token/create/some-role", {}),
    ("POST", "auth/token/lookup", {"token": "x"}),
    ("GET", "auth/token/lookup-self", None),
    ("POST", "auth/token/lookup-accessor", {"accessor": "x"}),
    ("POST", "auth/token/renew", {"token": "x"}),
    ("POST", "auth/token/renew-self", {}),
    ("POST", "auth/token/renew-accessor", {"accessor": "x"}),
    ("POST", "auth/token/revoke", {"token": "x"}),
    ("POST", "auth/token/revoke-self", {}),
    ("POST", "auth/token/revoke-accessor", {"accessor": "x"}),
    ("POST", "auth/token/revoke-orphan", {"token": "x"}),
    ("LIST", "auth/token/roles", None),
    ("GET", "auth/token/roles/r", None),
    ("POST", "auth/token/roles/r", {}),
    ("DELETE", "auth/token/roles/r", None),
    ("LIST", "auth/token/accessors", None),
    ("POST", "auth/token/tidy", {}),
]
LEASE_PATHS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PUT", "sys/leases/lookup", {"lease_id": "x"}),
    ("LIST", "sys/leases/lookup/auth/", None),
    ("PUT", "sys/leases/renew", {"lease_id": "x"}),
    ("PUT", "sys/leases/revoke", {"lease_id": "x"}),
    ("PUT", "sys/leases/revoke-prefix/auth/token", {}),
    ("PUT", "sys/leases/revoke-force/auth/token", {}),
    ("PUT", "sys/leases/tidy", {}),
    ("GET", "sys/leases/count?type=irrevocable", None),
    ("GET", "sys/leases?type=irrevocable", None),
]


def denied(resp: requests.Response) -> bool:
    return resp.status_code == 403 and any(
        "permission denied" in error for error in resp.json()["errors"])


@pytest.fixture(scope="module")
def tokens(dev_server: ServerProcess) -> dict[str, str]:
    made: dict[str, str] = {}
    for name, policy in [("nothing", NOTHING), ("list-only", LIST_ONLY),
                         ("with-sudo", WITH_SUDO)]:
        resp = dev_server.request("PUT", f"/v1/sys/policies/acl/{name}", json={"policy": policy})
        assert resp.status_code == 204, resp.text
        resp = dev_server.request("POST", "/v1/auth/token/create",
                                  json={"policies": [name], "no_default_policy": True})
        assert resp.status_code == 200, resp.text
        made[name] = resp.json()["auth"]["client_token"]
    return made


@pytest.mark.parametrize(("method", "path", "body"), TOKEN_PATHS + LEASE_PATHS)
def test_no_capability_means_403(dev_server: ServerProcess, tokens: dict[str, str],
                                 method: str, path: str, body: dict[str, Any] | None) -> None:
    resp = dev_server.request(method, f"/v1/{path}", token=tokens["nothing"], json=body)
    assert denied(resp), (resp.status_code, resp.text)


@pytest.mark.parametrize(("method", "path"), [
    ("LIST", "auth/token/accessors"),
    ("LIST", "sys/leases/lookup/auth/"),
    ("PUT", "sys/leases/revoke-prefix/nothing/here"),
    ("PUT", "sys/leases/revoke-force/nothing/here"),
])
def test_sudo_paths_need_sudo(dev_server: ServerProcess, tokens: dict[str, str],
                              method: str, path: str) -> None:
    without = dev_server.request(method, f"/v1/{path}", token=tokens["list-only"])
    assert denied(without), (without.status_code, without.text)
    with_sudo = dev_server.request(method, f"/v1/{path}", token=tokens["with-sudo"])
    assert with_sudo.status_code in (200, 204), (with_sudo.status_code, with_sudo.text)


def test_default_policy_covers_only_the_self_paths(dev_server: ServerProcess) -> None:
    resp = dev_server.request("POST", "/v1/auth/token/create", json={"policies": ["default"]})
    token = resp.json()["auth"]["client_token"]
    assert dev_server.request("GET", "/v1/auth/token/lookup-self", token=token).status_code == 200
    resp = dev_server.request("POST", "/v1/auth/token/renew-self", token=token, json={})
    assert resp.status_code == 200
    assert denied(dev_server.request("POST", "/v1/auth/token/lookup", token=token,
                                     json={"token": "root"}))
    assert denied(dev_server.request("POST", "/v1/auth/token/create", token=token, json={}))
    resp = dev_server.request("POST", "/v1/auth/token/revoke-self", token=token, json={})
    assert resp.status_code == 204
    assert denied(dev_server.request("GET", "/v1/auth/token/lookup-self", token=token))
