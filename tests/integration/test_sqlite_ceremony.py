"""The foundation issue's operator story on SQLite storage, with the real bao CLI:
init 5/3, unseal, seal, restart, unseal with three *other* shares (hex and base64),
root token still valid, bad token refused, nothing readable in the database file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.integration.server import PyvaultServer, call


def bao(
    server: PyvaultServer, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "bao"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env.update(BAO_ADDR=server.addr, HOME=str(server.workdir))
    if token:
        env["BAO_TOKEN"] = token
    return subprocess.run(
        [str(executable) if executable.exists() else shutil.which("bao") or "bao", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_init_unseal_seal_restart_unseal_with_other_shares(server: PyvaultServer) -> None:
    db = server.workdir / "vault.db"
    config = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}')
    server.start(f"-config={config}")

    init = bao(server, "operator", "init", "-key-shares=5", "-key-threshold=3", "-format=json")
    assert init.returncode == 0, init.stderr
    answer = json.loads(init.stdout)
    hex_keys, b64_keys = answer["unseal_keys_hex"], answer["unseal_keys_b64"]
    root = answer["root_token"]
    assert len(hex_keys) == 5 and all(len(k) == 66 for k in hex_keys)

    assert bao(server, "status").returncode == 2
    for key in hex_keys[:3]:
        assert bao(server, "operator", "unseal", key).returncode == 0
    assert bao(server, "status").returncode == 0
    sealing = bao(server, "operator", "seal", token=root)
    assert sealing.returncode == 0, sealing.stderr
    assert "Vault is sealed" in sealing.stdout
    assert bao(server, "status").returncode == 2

    assert server.stop() == 0
    server.start(f"-config={config}")
    assert bao(server, "status").returncode == 2
    for key in (hex_keys[3], b64_keys[4], b64_keys[1]):
        step = bao(server, "operator", "unseal", key)
        assert step.returncode == 0, step.stderr
    assert bao(server, "status").returncode == 0

    cluster_name = call(server.addr, "GET", "sys/seal-status").body["cluster_name"]
    status = call(server.addr, "GET", "sys/key-status", token=root)
    assert status.status == 200 and status.body["data"]["term"] == 1
    denied = call(server.addr, "GET", "sys/key-status", token="hvs.not-a-real-token")
    assert (denied.status, denied.body) == (403, {"errors": ["permission denied"]})

    server.stop()
    stored = b"".join(p.read_bytes() for p in server.workdir.glob("vault.db*"))
    assert stored, "the database file should exist"
    assert root.encode() not in stored
    assert root.split(".", 1)[1].encode() not in stored
    assert cluster_name.encode() not in stored  # barrier-encrypted like every record
    for key in hex_keys:
        assert key.encode() not in stored and bytes.fromhex(key) not in stored
