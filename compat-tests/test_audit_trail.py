"""Audit devices end to end with hvac, against pyvault and the reference: every request
and response is logged, nothing secret is, and ``sys/audit-hash`` agrees with the log."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_support import audit_server, layout, read_entries
from harness import KINDS, ServerProcess, selected_kinds

SECRET = "s3cr3t-kv-value-7f1c"
PLAINTEXT = "transit plaintext 0a9d"
POLICY = 'path "kv/data/app" { capabilities = ["read"] }'


@pytest.fixture(scope="module", params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"audit-{request.param}")) as s:
        yield s


def run_scenario(server: ServerProcess, log: Path) -> dict[str, str]:
    """Enable a file device, then token, KV, transit and policy operations via hvac.
    Returns the secret strings that must never appear in the log."""
    root = server.client()
    root.sys.enable_audit_device("file", path="trail", options={"file_path": str(log)})
    root.sys.enable_secrets_engine("kv", path="kv", options={"version": "2"})
    root.secrets.kv.v2.create_or_update_secret(
        path="app", secret={"password": SECRET}, mount_point="kv"
    )
    read = root.secrets.kv.v2.read_secret_version(
        path="app", mount_point="kv", raise_on_deleted_version=True
    )
    assert read["data"]["data"]["password"] == SECRET
    root.sys.create_or_update_policy("app-read", POLICY)
    assert "kv/data/app" in root.sys.read_policy("app-read")["data"]["rules"]
    created = root.auth.token.create(policies=["app-read"], ttl="1h")
    child = created["auth"]["client_token"]
    assert server.client(child).lookup_token()["data"]["policies"] == ["app-read", "default"]
    root.sys.enable_secrets_engine("transit", path="transit")
    root.secrets.transit.create_key("k1", mount_point="transit")
    encoded = base64.b64encode(PLAINTEXT.encode()).decode()
    ciphertext = root.secrets.transit.encrypt_data("k1", encoded, mount_point="transit")
    decrypted = root.secrets.transit.decrypt_data(
        "k1", ciphertext["data"]["ciphertext"], mount_point="transit"
    )
    assert decrypted["data"]["plaintext"] == encoded
    assert server.token is not None
    return {"secret": SECRET, "plaintext": PLAINTEXT, "plaintext_b64": encoded,
            "root_token": server.token, "child_token": child,
            "child_accessor": created["auth"]["accessor"]}


@pytest.fixture(scope="module")
def trail(server: ServerProcess) -> tuple[list[dict[str, Any]], dict[str, str], Path]:
    log = server.workdir / "audit.log"
    secrets = run_scenario(server, log)
    return read_entries(log), secrets, log


def test_every_request_and_response_is_logged(
    trail: tuple[list[dict[str, Any]], dict[str, str], Path],
) -> None:
    entries, _, _ = trail
    kinds: dict[str, Counter[str]] = {}
    for entry in entries:
        kinds.setdefault(entry["request"]["id"], Counter())[entry["type"]] += 1
    # The enabling request itself is half-logged by the reference (its response only).
    logged = {e["request"]["id"] for e in entries
              if not e["request"]["path"].startswith("sys/audit/")}
    for request_id in logged:
        assert kinds[request_id] == Counter({"request": 1, "response": 1}), request_id
    paths = {(e["type"], e["request"]["path"]) for e in entries}
    for path in ("kv/data/app", "sys/policy/app-read", "auth/token/create",
                 "auth/token/lookup-self", "transit/encrypt/k1", "transit/decrypt/k1"):
        assert ("request", path) in paths and ("response", path) in paths, path


def test_log_holds_no_secret(trail: tuple[list[dict[str, Any]], dict[str, str], Path]) -> None:
    _, secrets, log = trail
    text = log.read_text()
    for name, value in secrets.items():
        assert value not in text, name


def test_audit_hash_matches_log(
    server: ServerProcess, trail: tuple[list[dict[str, Any]], dict[str, str], Path],
) -> None:
    entries, _, _ = trail
    write = next(e for e in entries
                 if e["type"] == "request" and e["request"]["path"] == "kv/data/app"
                 and e["request"]["operation"] in ("create", "update"))
    logged = write["request"]["data"]["data"]["password"]
    assert logged.startswith("hmac-sha256:")
    answer = server.client().sys.calculate_hash("trail", SECRET)
    assert answer["data"]["hash"] == logged
    assert answer["hash"] == logged  # sys/audit-hash repeats it at the top level


def test_sys_audit_lists_the_device(server: ServerProcess, trail: Any) -> None:
    listed = server.client().sys.list_enabled_audit_devices()["data"]
    assert listed["trail/"]["type"] == "file"
    assert listed["trail/"]["options"] == {"file_path": str(server.workdir / "audit.log")}
    assert set(listed["trail/"]) == {"description", "local", "options", "path", "type"}


@pytest.mark.skipif(selected_kinds() != list(KINDS), reason="needs both servers")
def test_entry_layout_matches_reference(tmp_path: Path) -> None:
    """Same requests on both servers; entries compared after masking every value."""
    layouts: dict[str, dict[tuple[str, str, str], Any]] = {}
    for kind in KINDS:
        with audit_server(kind, tmp_path / kind) as server:
            log = server.workdir / "audit.log"
            run_scenario(server, log)
            shapes: dict[tuple[str, str, str], Any] = {}
            for entry in read_entries(log):
                req = entry["request"]
                key = (entry["type"], req["path"], req["operation"])
                shapes.setdefault(key, layout(entry))
            layouts[kind] = shapes
    ours, ref = layouts["pyvault"], layouts["reference"]
    # Every entry but the enabling request's (the reference logs only half of it).
    compared = [k for k in ref if not k[1].startswith("sys/audit/")]
    assert compared
    for key in compared:
        assert key in ours, key
    mismatched = [k for k in compared if ours[k] != ref[k]]
    assert not mismatched, [(k, ours[k], ref[k]) for k in mismatched]
