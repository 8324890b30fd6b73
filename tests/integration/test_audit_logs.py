"""A real server with a file audit device and JSON server logs: log rotation on
SIGHUP, the audit trail survives a restart (table and salt behind the barrier),
and neither log holds a token or a secret value."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.integration.server import PyvaultServer, call

SECRET = "integration-secret-5d2e"


def start(server: PyvaultServer) -> tuple[str, str, Path]:
    db = server.workdir / "v.db"
    config = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}')
    config.write_text(config.read_text() + 'log_format = "json"\n'
                      "unsafe_allow_api_audit_creation = true\n")
    server.start(f"-config={config}")
    init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
    key, root = init.body["keys"][0], init.body["root_token"]
    call(server.addr, "PUT", "sys/unseal", {"key": key})
    return key, root, config


def wait_for(path: Path, text: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_rotation_restart_and_clean_logs(server: PyvaultServer) -> None:
    key, root, config = start(server)
    log = server.workdir / "audit.log"
    enabled = call(server.addr, "PUT", "sys/audit/file",
                   {"type": "file", "options": {"file_path": str(log)}}, token=root)
    assert enabled.status == 204
    call(server.addr, "PUT", "sys/mounts/kv", {"type": "kv"}, token=root)
    assert call(server.addr, "PUT", "kv/a", {"v": SECRET}, token=root).status == 204

    log.rename(server.workdir / "audit.log.1")
    assert server.proc is not None
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while not log.exists() and time.monotonic() < deadline:
        call(server.addr, "GET", "kv/a", token=root)
        time.sleep(0.05)
    # The reopen may have landed between two reads: one more read after it.
    assert call(server.addr, "GET", "kv/a", token=root).status == 200
    wait_for(log, '"path":"kv/a"')

    hashed = call(server.addr, "PUT", "sys/audit-hash/file", {"input": SECRET}, token=root)
    assert server.stop() == 0
    server.start(f"-config={config}")
    call(server.addr, "PUT", "sys/unseal", {"key": key})
    again = call(server.addr, "PUT", "sys/audit-hash/file", {"input": SECRET}, token=root)
    assert again.body["data"]["hash"] == hashed.body["data"]["hash"]  # salt survived

    audit_text = log.read_text() + (server.workdir / "audit.log.1").read_text()
    server_log = (server.workdir / "server.log").read_text()
    for text in (audit_text, server_log):
        assert SECRET not in text and root not in text
    assert hashed.body["data"]["hash"] in audit_text
    lines = [json.loads(line) for line in server_log.splitlines() if line.startswith("{")]
    assert {"@level", "@message", "@module", "@timestamp"} <= set(lines[0])
    enabled_line = next(entry for entry in lines if "enabled audit device" in entry["@message"])
    assert enabled_line["request_id"]
