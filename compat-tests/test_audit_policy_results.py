"""``auth.policy_results`` in audit entries names the policies that granted the
capability the request needed — not every policy of the token — and an ACL refusal
still names the token, with ``allowed: false`` (pyvault and the reference)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_support import audit_server, layout, read_entries
from harness import KINDS, ServerProcess, selected_kinds

POLICIES = {
    "p1": 'path "kv/data/app" { capabilities = ["read"] }\n'
          'path "kv/data/*" { capabilities = ["list"] }',
    "p2": 'path "kv/data/app" { capabilities = ["read", "update"] }',
    "p3": 'path "kv/data/other" { capabilities = ["read"] }',
    "p4": 'path "kv/data/app" { capabilities = ["deny"] }',
}


@pytest.fixture(params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"pr-{request.param}")) as s:
        yield s


def run(server: ServerProcess) -> list[dict[str, Any]]:
    """Reads and a write with a three-policy token, a refused read; the entries."""
    root = server.client()
    root.sys.enable_secrets_engine("kv", path="kv", options={"version": "2"})
    root.secrets.kv.v2.create_or_update_secret(path="app", secret={"a": "1"}, mount_point="kv")
    for name, text in POLICIES.items():
        root.sys.create_or_update_policy(name, text)
    three = root.auth.token.create(policies=["p1", "p2", "p3"])["auth"]["client_token"]
    denied = root.auth.token.create(policies=["p1", "p4"])["auth"]["client_token"]
    log = server.workdir / "pr.log"
    root.sys.enable_audit_device("file", path="pr", options={"file_path": str(log)})
    assert server.request("GET", "/v1/kv/data/app", token=three).status_code == 200
    written = server.request("POST", "/v1/kv/data/app", token=three, json={"data": {"a": "2"}})
    assert written.status_code == 200
    assert server.request("GET", "/v1/auth/token/lookup-self", token=three).status_code == 200
    assert server.request("GET", "/v1/kv/data/app", token=denied).status_code == 403
    return [e for e in read_entries(log) if not e["request"]["path"].startswith("sys/audit")]


def _granting(entry: dict[str, Any]) -> list[str]:
    results = entry["auth"]["policy_results"]
    assert results["allowed"] is True
    assert all(p["namespace_id"] == "root" and p["type"] == "acl"
               for p in results["granting_policies"])
    return [p["name"] for p in results["granting_policies"]]


def test_granting_policies_are_the_ones_that_granted(server: ServerProcess) -> None:
    entries = run(server)
    assert [(e["type"], e["request"]["path"]) for e in entries] == [
        (kind, path) for path in ("kv/data/app", "kv/data/app", "auth/token/lookup-self",
                                  "kv/data/app") for kind in ("request", "response")]
    read, write, lookup, refused = entries[0:2], entries[2:4], entries[4:6], entries[6:8]
    for entry in read:
        assert _granting(entry) == ["p1", "p2"]
        assert entry["auth"]["policies"] == ["default", "p1", "p2", "p3"]
    for entry in write:
        assert _granting(entry) == ["p2"]
    for entry in lookup:
        assert _granting(entry) == ["default"]
    for entry in refused:
        assert entry["auth"]["policy_results"] == {"allowed": False}
        assert entry["auth"]["policies"] == ["default", "p1", "p4"]
        assert "mount_accessor" not in entry["request"]
        assert "permission denied" in entry["error"]
    assert "mount_accessor" not in refused[1]["response"]


@pytest.mark.skipif(selected_kinds() != list(KINDS), reason="needs both servers")
def test_refused_and_granted_entry_layout_matches_reference(tmp_path: Path) -> None:
    shapes: dict[str, list[Any]] = {}
    for kind in KINDS:
        with audit_server(kind, tmp_path / kind) as server:
            shapes[kind] = [layout(e) for e in run(server)]
    assert shapes["pyvault"] == shapes["reference"]
