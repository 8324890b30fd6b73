"""The ceremony endpoints served outside the logical pipeline (sys/rekey/*,
sys/generate-root/*, sys/generate-root-token/*, sys/rotate/*) are audited as the
reference audits them, and the unauthenticated ones fail closed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from audit_support import audit_server, layout, read_entries
from harness import KINDS, ServerProcess, free_port, selected_kinds

FULL = "/dev/full"  # every write fails with ENOSPC: an unwritable audit file
NO_DEVICE = "1 error occurred:\n\t* no audit backend succeeded in logging the request\n\n"
REKEY = {"secret_shares": 1, "secret_threshold": 1}


@pytest.fixture(params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"cer-{request.param}")) as s:
        yield s


def _enable(server: ServerProcess, log: Path) -> None:
    body = {"type": "file", "options": {"file_path": str(log)}}
    assert server.request("PUT", "/v1/sys/audit/cer", json=body).status_code == 204


def run_ceremonies(server: ServerProcess) -> dict[str, str]:
    """Raw and token-checked ceremony requests; returns values that must not be logged."""
    status = server.request("GET", "/v1/sys/generate-root/attempt")
    assert status.status_code == 200 and status.json()["started"] is False
    started = server.request("PUT", "/v1/sys/generate-root/attempt", json={})
    assert started.status_code == 200
    otp, root_nonce = started.json()["otp"], started.json()["nonce"]
    cancelled = server.request("DELETE", "/v1/sys/generate-root/attempt",
                               json={"nonce": root_nonce})
    assert cancelled.status_code == 204
    rekey = server.request("PUT", "/v1/sys/rekey/init", json=REKEY)
    assert rekey.status_code == 200
    nonce = rekey.json()["nonce"]
    bad = server.request("PUT", "/v1/sys/rekey/update", json={"key": "not-a-key", "nonce": nonce})
    assert bad.status_code == 400
    assert server.request("DELETE", "/v1/sys/rekey/init", json={"nonce": nonce}).status_code == 204
    token_attempt = server.request("GET", "/v1/sys/generate-root-token/attempt")
    assert token_attempt.status_code == 200
    assert server.request("GET", "/v1/sys/rotate/config").status_code == 200
    return {"otp": otp, "root_nonce": root_nonce, "rekey_nonce": nonce, "key": "not-a-key"}


EXPECTED = [  # (path, operation) of every request made above
    ("sys/generate-root/attempt", "read"),
    ("sys/generate-root/attempt", "update"),
    ("sys/generate-root/attempt", "delete"),
    ("sys/rekey/init", "update"),
    ("sys/rekey/update", "update"),
    ("sys/rekey/init", "delete"),
    ("sys/generate-root-token/attempt", "read"),
    ("sys/rotate/config", "read"),
]


def _pairs(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["type"], e["request"]["path"], e["request"]["operation"]) for e in entries
            if not e["request"]["path"].startswith("sys/audit")]


def test_ceremonies_leave_request_and_response_entries(server: ServerProcess) -> None:
    log = server.workdir / "cer.log"
    _enable(server, log)
    secrets = run_ceremonies(server)
    entries = read_entries(log)
    expected = [(kind, path, op) for path, op in EXPECTED for kind in ("request", "response")]
    assert _pairs(entries) == expected
    text = log.read_text()
    leaked = [name for name, value in secrets.items() if value in text]
    assert not leaked
    # The unauthenticated ones log the HTTP answer and no token; an error body too.
    update = [e for e in entries if e["request"]["path"] == "sys/rekey/update"]
    assert update[1]["auth"] == {"token_type": "default"}
    assert "client_token" not in update[1]["request"]
    assert set(update[1]["response"]) == {"data", "headers"}
    assert update[1]["response"]["data"]["errors"][0].startswith("hmac-sha256:")
    assert update[1]["response"]["headers"]["Content-Type"] == ["application/json"]
    # The token-checked ones are logged like any system-backend request.
    config = [e for e in entries if e["request"]["path"] == "sys/rotate/config"]
    assert config[0]["request"]["mount_type"] == "system"
    assert config[1]["auth"]["policies"] == ["root"]
    assert config[1]["response"]["data"]["enabled"] is True


@pytest.mark.skipif(selected_kinds() != list(KINDS), reason="needs both servers")
def test_ceremony_entry_layout_matches_reference(tmp_path: Path) -> None:
    layouts: dict[str, dict[tuple[str, str, str], Any]] = {}
    for kind in KINDS:
        with audit_server(kind, tmp_path / kind) as server:
            log = server.workdir / "cer.log"
            _enable(server, log)
            run_ceremonies(server)
            shapes: dict[tuple[str, str, str], Any] = {}
            for entry in read_entries(log):
                req = entry["request"]
                shapes.setdefault((entry["type"], req["path"], req["operation"]), layout(entry))
            layouts[kind] = shapes
    ours, ref = layouts["pyvault"], layouts["reference"]
    compared = [k for k in ref if not k[1].startswith("sys/audit")]
    assert len(compared) == 2 * len(EXPECTED)
    mismatched = [(k, ours.get(k), ref[k]) for k in compared if ours.get(k) != ref[k]]
    assert not mismatched


def _point(link: Path, target: str) -> None:
    tmp = link.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _reopen_until(server: ServerProcess, path: str, status: int) -> None:
    """SIGHUP makes file devices reopen their path; wait until ``path`` answers
    ``status`` (no assertion on how long it took)."""
    assert server._proc is not None
    server._proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.request("GET", path).status_code == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never answered {status} after SIGHUP")


@pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")
def test_unauthenticated_ceremony_fails_closed(server: ServerProcess) -> None:
    link = server.workdir / "cer-link.log"
    real = server.workdir / "cer-real.log"
    real.touch()
    _point(link, str(real))
    body = {"type": "file", "options": {"file_path": str(link), "mode": "0000"}}
    assert server.request("PUT", "/v1/sys/audit/only", json=body).status_code == 204

    _point(link, FULL)
    _reopen_until(server, "/v1/sys/rekey/init", 500)
    refused = server.request("PUT", "/v1/sys/rekey/init", json=REKEY)
    assert refused.status_code == 500
    assert refused.json() == {"errors": [NO_DEVICE]}
    attempt = server.request("PUT", "/v1/sys/generate-root/attempt", json={})
    assert attempt.status_code == 500 and attempt.json() == {"errors": [NO_DEVICE]}
    # A token-checked one is refused like any pipeline request.
    assert server.request("GET", "/v1/sys/rotate/config").status_code == 500

    _point(link, str(real))
    _reopen_until(server, "/v1/sys/rekey/init", 200)
    assert server.request("GET", "/v1/sys/rekey/init").json()["started"] is False
    assert server.request("GET", "/v1/sys/generate-root/attempt").json()["started"] is False


def _switched_off_listener(port: int) -> str:
    return ('listener "tcp" {\n'
            f'  address = "127.0.0.1:{port}"\n'
            "  tls_disable = true\n"
            "  disable_unauthed_rekey_endpoints = true\n"
            "  disable_unauthed_generate_root_endpoints = true\n"
            "}\n")


def _switched_off_entries(kind: str, workdir: Path) -> list[dict[str, Any]]:
    port = free_port()
    with audit_server(kind, workdir, _switched_off_listener(port)) as server:
        log = server.workdir / "off.log"
        _enable(server, log)
        url = f"http://127.0.0.1:{port}/v1"
        assert requests.get(f"{url}/sys/rekey/init", timeout=10).status_code == 405
        assert requests.get(f"{url}/sys/generate-root/attempt", timeout=10,
                            headers={"X-Vault-Token": "bogus"}).status_code == 405
        started = requests.put(f"{url}/sys/rekey/init", json=REKEY, timeout=10,
                               headers={"X-Vault-Token": str(server.token)})
        assert started.status_code == 405
        assert started.json() == {"errors": ["unsupported operation"]}
        entries = read_entries(log)
        assert server.request("GET", "/v1/sys/rekey/init").json()["started"] is False
        return [e for e in entries if not e["request"]["path"].startswith("sys/audit")]


@pytest.mark.parametrize("kind", selected_kinds())
def test_switched_off_endpoints_are_logged_as_unsupported(kind: str, tmp_path: Path) -> None:
    """A listener that turns the unauthenticated endpoints off answers them 405; the
    entries are those of a request on the system backend that it refused."""
    entries = _switched_off_entries(kind, tmp_path)
    assert [(e["type"], e["request"]["path"]) for e in entries] == [
        (t, p) for p in ("sys/rekey/init", "sys/generate-root/attempt", "sys/rekey/init")
        for t in ("request", "response")]
    for entry in entries:
        assert entry["request"]["mount_type"] == "system"
        assert entry["auth"]["policy_results"] == {"allowed": True}
    for response in entries[1::2]:
        assert response["error"] == "unsupported operation"
        assert "data" not in response["response"]
    assert entries[2]["auth"]["client_token"].startswith("hmac-sha256:")
    assert entries[4]["auth"]["policies"] == ["root"]
    assert entries[4]["request"]["data"] == {"secret_shares": 1, "secret_threshold": 1}


@pytest.mark.skipif(selected_kinds() != list(KINDS), reason="needs both servers")
def test_switched_off_layout_matches_reference(tmp_path: Path) -> None:
    shapes = {kind: [layout(e) for e in _switched_off_entries(kind, tmp_path / kind)]
              for kind in KINDS}
    assert shapes["pyvault"] == shapes["reference"]
