"""README's server command: scripts/dev starts a dev server that `bao status` calls
unsealed, with KV version 2 at secret/."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.server import REPO_ROOT, call, free_port


def test_scripts_dev_serves_an_unsealed_dev_server(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env.update(PYVAULT_DEV_ADDR=f"127.0.0.1:{port}", HOME=str(tmp_path))
    with (tmp_path / "dev.log").open("wb") as log:
        proc = subprocess.Popen([str(REPO_ROOT / "scripts" / "dev")], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    addr = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # the first run may install the venv
        while time.monotonic() < deadline:
            try:
                call(addr, "GET", "sys/seal-status")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "dev.log").read_text()
                time.sleep(0.2)
        bao = Path(sys.executable).parent / "bao"
        status = subprocess.run(
            [str(bao) if bao.exists() else shutil.which("bao") or "bao", "status"],
            env={**env, "BAO_ADDR": addr}, capture_output=True, text=True, timeout=30,
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert "Sealed          false" in status.stdout
        mounts = call(addr, "GET", "sys/mounts", token="root")
        assert mounts.body["data"]["secret/"]["options"] == {"version": "2"}
        assert "Root Token: root" in (tmp_path / "dev.log").read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # SIGTERM is a clean shutdown
