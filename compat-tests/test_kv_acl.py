"""Every KV path refuses a token without the capability (403), and writes need
``create`` or ``update`` as the engine's existence checks decide.

Expected answers were read off OpenBao 2.7.2.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from harness import ServerProcess

DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
POLICIES = {
    "kv-nothing": 'path "cubbyhole/*" { capabilities = ["read"] }',
    "kv-read": 'path "kva/*" { capabilities = ["read", "list"] }\n'
               'path "kva1/*" { capabilities = ["read", "list"] }',
    "kv-create": 'path "kva/*" { capabilities = ["create", "read"] }\n'
                 'path "kva1/*" { capabilities = ["create", "read"] }',
    "kv-update": 'path "kva/*" { capabilities = ["update", "read"] }\n'
                 'path "kva1/*" { capabilities = ["update", "read"] }',
}

# (method, path, body): one request per path and operation of both engine versions.
OPERATIONS: list[tuple[str, str, Any]] = [
    ("GET", "kva/data/s", None),
    ("POST", "kva/data/s", {"data": {"a": 1}}),
    ("PATCH", "kva/data/s", {"data": {"a": 2}}),
    ("DELETE", "kva/data/s", None),
    ("GET", "kva/metadata/s", None),
    ("LIST", "kva/metadata/", None),
    ("POST", "kva/metadata/s", {"max_versions": 3}),
    ("PATCH", "kva/metadata/s", {"max_versions": 4}),
    ("DELETE", "kva/metadata/s", None),
    ("POST", "kva/delete/s", {"versions": [1]}),
    ("POST", "kva/undelete/s", {"versions": [1]}),
    ("POST", "kva/destroy/s", {"versions": [1]}),
    ("GET", "kva/subkeys/s", None),
    ("GET", "kva/config", None),
    ("POST", "kva/config", {"max_versions": 5}),
    ("GET", "kva1/s", None),
    ("POST", "kva1/s", {"a": 1}),
    ("LIST", "kva1/", None),
    ("DELETE", "kva1/s", None),
]
WRITES = [op for op in OPERATIONS if op[0] not in ("GET", "LIST")]


def send(server: ServerProcess, token: str, method: str, path: str,
         body: Any) -> requests.Response:
    headers = MERGE_PATCH if method == "PATCH" else {}
    return server.request(method, f"/v1/{path}", token=token, json=body, headers=headers)


@pytest.fixture(scope="module")
def tokens(dev_server: ServerProcess) -> dict[str, str]:
    root = dev_server.client()
    root.sys.enable_secrets_engine("kv", path="kva", options={"version": "2"})
    root.sys.enable_secrets_engine("kv", path="kva1", options={"version": "1"})
    root.secrets.kv.v2.create_or_update_secret("s", {"a": 0}, mount_point="kva")
    root.secrets.kv.v1.create_or_update_secret("s", {"a": 0}, mount_point="kva1")
    made = {}
    for name, policy in POLICIES.items():
        root.sys.create_or_update_policy(name, policy)
        created = root.auth.token.create(policies=[name], no_default_policy=True)
        made[name] = created["auth"]["client_token"]
    return made


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_no_capability_is_403(dev_server: ServerProcess, tokens: dict[str, str],
                              method: str, path: str, body: Any) -> None:
    resp = send(dev_server, tokens["kv-nothing"], method, path, body)
    assert (resp.status_code, resp.json()) == (403, DENIED)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_read_only_token_cannot_change_anything(dev_server: ServerProcess,
                                                tokens: dict[str, str], method: str,
                                                path: str, body: Any) -> None:
    resp = send(dev_server, tokens["kv-read"], method, path, body)
    assert (resp.status_code, resp.json()) == (403, DENIED)


def test_read_only_token_reads(dev_server: ServerProcess, tokens: dict[str, str]) -> None:
    for path in ("kva/data/s", "kva/metadata/s", "kva/subkeys/s", "kva/config", "kva1/s"):
        assert send(dev_server, tokens["kv-read"], "GET", path, None).status_code == 200
    assert send(dev_server, tokens["kv-read"], "LIST", "kva/metadata/", None).status_code \
        == 200


@pytest.mark.parametrize("path", ["kva/data/{}", "kva/metadata/{}", "kva1/{}"])
def test_create_capability_writes_only_new_secrets(dev_server: ServerProcess,
                                                   tokens: dict[str, str], path: str) -> None:
    token = tokens["kv-create"]
    body = {"data": {"a": 1}} if "/data/" in path else (
        {"max_versions": 2} if "/metadata/" in path else {"a": 1})
    name = "created-" + path.split("/")[-2]  # metadata/x and data/x share a secret
    new = send(dev_server, token, "POST", path.format(name), body)
    assert new.status_code in (200, 204), new.text
    again = send(dev_server, token, "POST", path.format(name), body)
    assert (again.status_code, again.json()) == (403, DENIED)


@pytest.mark.parametrize("path", ["kva/data/{}", "kva/metadata/{}", "kva1/{}"])
def test_update_capability_writes_only_existing_secrets(
    dev_server: ServerProcess, tokens: dict[str, str], path: str
) -> None:
    token = tokens["kv-update"]
    body = {"data": {"a": 1}} if "/data/" in path else (
        {"max_versions": 2} if "/metadata/" in path else {"a": 1})
    new = send(dev_server, token, "POST", path.format("updated-new"), body)
    assert (new.status_code, new.json()) == (403, DENIED)
    existing = send(dev_server, token, "POST", path.format("s"), body)
    assert existing.status_code in (200, 204), existing.text


@pytest.mark.parametrize("path", ["kva/delete/s", "kva/undelete/s", "kva/destroy/s",
                                  "kva/config"])
def test_paths_without_existence_check_need_update(dev_server: ServerProcess,
                                                   tokens: dict[str, str], path: str) -> None:
    body = {"max_versions": 0} if path.endswith("config") else {"versions": [99]}
    created = send(dev_server, tokens["kv-create"], "POST", path, body)
    assert (created.status_code, created.json()) == (403, DENIED)
    assert send(dev_server, tokens["kv-update"], "POST", path, body).status_code == 204


def test_patch_needs_the_patch_capability(dev_server: ServerProcess,
                                          tokens: dict[str, str]) -> None:
    resp = send(dev_server, tokens["kv-update"], "PATCH", "kva/data/s", {"data": {"a": 9}})
    assert (resp.status_code, resp.json()) == (403, DENIED)
