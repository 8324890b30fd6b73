"""Run a real ``pyvault server`` process for integration tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class HTTPResult:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    addr: str, method: str, path: str, body: Any = None, token: str | None = None,
    raw: bytes | None = None,
) -> HTTPResult:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(f"{addr}/v1/{path}", data=data, method=method)
    if token is not None:
        request.add_header("X-Vault-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        text = error.read()
        status, headers = error.code, dict(error.headers)
    return HTTPResult(status, json.loads(text) if text.strip() else None, headers)


def wait_until_serving(proc: subprocess.Popen[bytes], addr: str,
                       log_tail: Callable[[], str], timeout: float = 20.0) -> None:
    """Until sys/seal-status answers; a process that exits first fails with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_tail()}")
        try:
            call(addr, "GET", "sys/seal-status")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not start: {log_tail()}")


@dataclass
class PyvaultServer:
    workdir: Path
    config_text: str = ""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, storage: str) -> Path:
        path = self.workdir / "server.hcl"
        path.write_text(
            f"{storage}\n"
            f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n  tls_disable = true\n}}\n'
            "disable_mlock = true\n"
        )
        return path

    def start(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = str(REPO_ROOT)
        with (self.workdir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyvault", "server", *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir,
            )
        wait_until_serving(self.proc, self.addr, self.log_tail)

    def start_tls(self, *args: str, cafile: Path, client: tuple[Path, Path]) -> None:
        """Start a server whose only listener is HTTPS with client certificates."""
        import ssl

        context = ssl.create_default_context(cafile=str(cafile))
        context.load_cert_chain(str(client[0]), str(client[1]))
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO_ROOT))
        with (self.workdir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyvault", "server", *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir,
            )
        deadline = time.monotonic() + 20
        url = f"https://127.0.0.1:{self.port}/v1/sys/seal-status"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_tail()}")
            try:
                urllib.request.urlopen(url, context=context, timeout=5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc is None:
            return 0
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)
