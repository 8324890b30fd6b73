"""Start, probe and stop a Vault-compatible server (pyvault or the reference OpenBao).

Every compat scenario runs against both kinds; `ServerProcess` hides how each is launched.
"""

from __future__ import annotations

import enum
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import requests

KINDS: tuple[str, ...] = ("pyvault", "reference")
REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_GRACE = 5.0
CLI_TIMEOUT = 30.0


class ServerStartError(RuntimeError):
    """The server exited or never answered GET /v1/sys/seal-status in time."""


class _Unset(enum.Enum):
    TOKEN = enum.auto()


_UNSET = _Unset.TOKEN


def selected_kinds() -> list[str]:
    """KINDS, or the one named by PYVAULT_COMPAT_ONLY (pyvault|reference)."""
    only = os.environ.get("PYVAULT_COMPAT_ONLY", "").strip()
    if not only:
        return list(KINDS)
    if only not in KINDS:
        raise ValueError(f"PYVAULT_COMPAT_ONLY must be one of {KINDS}, got {only!r}")
    return [only]


def find_bao() -> str:
    """The bao CLI of this venv (next to sys.executable), else the one on PATH."""
    beside = Path(sys.executable).parent / "bao"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("bao")
    if found is None:
        raise FileNotFoundError("bao not found next to sys.executable nor on PATH")
    return found


def free_port() -> int:
    """A free loopback port whose successor is free too (OpenBao binds port+1 for clustering)."""
    for _ in range(50):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            if port >= 65535:
                continue
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free pair of loopback ports")


def server_config(port: int, storage: str = 'storage "inmem" {}\n') -> str:
    """The HCL both servers are started with in non-dev mode."""
    return (
        storage +
        'listener "tcp" {\n'
        f'  address = "127.0.0.1:{port}"\n'
        "  tls_disable = true\n"
        # OpenBao ≥ 2.4 turns the unauthenticated rekey/generate-root paths off by
        # default; the ceremony scenarios need them (pyvault accepts the keys too).
        "  disable_unauthed_rekey_endpoints = false\n"
        "  disable_unauthed_generate_root_endpoints = false\n"
        "}\n"
        "disable_mlock = true\n"
        f'api_addr = "http://127.0.0.1:{port}"\n'
    )


def clean_env(home: Path) -> dict[str, str]:
    """os.environ without VAULT_*/BAO_* and with a private HOME (no token helper leaks)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env["HOME"] = str(home)
    return env


@dataclass
class ServerProcess:
    """One server on 127.0.0.1:<port>; `token` is what client()/request() send by default."""

    kind: str
    workdir: Path
    dev: bool = False
    port: int = field(default_factory=free_port)
    token: str | None = None
    init: dict[str, Any] | None = None  # the sys/init answer, once `initialize()` ran
    extra_hcl: str = ""  # appended to the non-dev config (e.g. audit switches)
    durable: bool = False  # storage that outlives a restart: raft (reference), sqlite (pyvault)
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _term_sent_at: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown server kind {self.kind!r}")
        if self.dev and self.token is None:
            self.token = "root"
        for sub in ("server-home", "cli-home"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def command(self) -> list[str]:
        if self.kind == "reference":
            head = [find_bao(), "server"]
        else:
            head = [sys.executable, "-m", "pyvault", "server"]
        if self.dev:
            listen = f"-dev-listen-address=127.0.0.1:{self.port}"
            return [*head, "-dev", "-dev-root-token-id=root", listen]
        cfg = self.workdir / "cfg.hcl"
        cfg.write_text(server_config(self.port, self._storage()) + self.extra_hcl)
        return [*head, f"-config={cfg}"]

    def _storage(self) -> str:
        if not self.durable:
            return 'storage "inmem" {}\n'
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        if self.kind == "pyvault":
            return f'storage "sqlite" {{\n  path = "{data / "vault.db"}"\n}}\n'
        return (f'storage "raft" {{\n  path = "{data}"\n  node_id = "n1"\n}}\n'
                f'cluster_addr = "http://127.0.0.1:{self.port + 1}"\n')

    def start(self, timeout: float = START_TIMEOUT) -> None:
        env = clean_env(self.workdir / "server-home")
        if self.kind == "pyvault":
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
            )
            env["PYTHONUNBUFFERED"] = "1"
        cmd = self.command()
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise ServerStartError(self._describe(f"exited with code {code}", cmd))
            status = self._probe()
            if status == 200:
                return
            last = "no answer" if status is None else f"HTTP {status}"
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(self._describe(f"not ready after {timeout:.0f}s ({last})", cmd))

    def _probe(self) -> int | None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
        try:
            conn.request("GET", "/v1/sys/seal-status")
            return conn.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    def _describe(self, what: str, cmd: list[str]) -> str:
        return (
            f"{self.kind} server {what}\n  command: {' '.join(cmd)}\n"
            f"  log tail ({self.log_path}):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "    <no log>"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def terminate(self) -> None:
        """Send SIGTERM without waiting (see `wait_stopped`)."""
        if self._proc is not None and self._proc.poll() is None and self._term_sent_at is None:
            self._proc.send_signal(signal.SIGTERM)
            self._term_sent_at = time.monotonic()

    def wait_stopped(self, grace: float = STOP_GRACE) -> None:
        """Wait for exit up to `grace` s after SIGTERM was sent, then SIGKILL."""
        if self._proc is None:
            return
        self.terminate()
        sent = self._term_sent_at if self._term_sent_at is not None else time.monotonic()
        try:
            self._proc.wait(timeout=max(0.0, sent + grace - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def stop(self, grace: float = STOP_GRACE) -> None:
        self.terminate()
        self.wait_stopped(grace)

    def initialize(self, shares: int = 5, threshold: int = 3) -> dict[str, Any]:
        """Setup helper (not under test): PUT sys/init, remember the answer and root token."""
        resp = self.request(
            "PUT", "/v1/sys/init", json={"secret_shares": shares, "secret_threshold": threshold}
        )
        resp.raise_for_status()
        self.init = resp.json()
        self.token = self.init["root_token"]
        return self.init

    def unseal(self) -> None:
        """Setup helper: submit the first `threshold` shares of `init`."""
        assert self.init is not None, "initialize() first"
        for key in self.init["keys"]:
            status = self.request("PUT", "/v1/sys/unseal", json={"key": key})
            status.raise_for_status()
            if not status.json()["sealed"]:
                return
        raise AssertionError(f"{self.kind} still sealed after all shares")

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies, no netrc, no CA bundle from the environment
        return session

    def client(self, token: str | _Unset | None = _UNSET) -> hvac.Client:
        """An hvac client for this server; token defaults to `self.token`."""
        tok = self.token if isinstance(token, _Unset) else token
        # "" rather than None: hvac would otherwise read VAULT_TOKEN / ~/.vault-token.
        return hvac.Client(url=self.addr, token=tok or "", session=self.session())

    def request(
        self, method: str, path: str, *, token: str | _Unset | None = _UNSET, **kwargs: Any
    ) -> requests.Response:
        """A raw HTTP request to `addr + path`, with X-Vault-Token when there is a token."""
        tok = self.token if isinstance(token, _Unset) else token
        headers: dict[str, str] = dict(kwargs.pop("headers", None) or {})
        if tok:
            headers.setdefault("X-Vault-Token", tok)
        with self.session() as s:
            return s.request(method, self.addr + path, headers=headers, timeout=10, **kwargs)

    def bao(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the bao CLI against this server (BAO_TOKEN only when `token` is given)."""
        env = clean_env(self.workdir / "cli-home")
        env["BAO_ADDR"] = env["VAULT_ADDR"] = self.addr
        if token is not None:
            env["BAO_TOKEN"] = token
        return subprocess.run(
            [find_bao(), *args],
            env=env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )


@dataclass
class Reaper:
    """Stops servers without blocking tests: SIGTERM now, wait/SIGKILL at session end."""

    pending: list[ServerProcess] = field(default_factory=list)

    def release(self, server: ServerProcess) -> None:
        server.terminate()
        self.pending.append(server)

    def drain(self) -> None:
        while self.pending:
            self.pending.pop().wait_stopped()


TRANSIT_KEY = "autounseal"


def transit_seal_hcl(holder: ServerProcess, disabled: bool = False) -> str:
    """A ``seal "transit"`` block using ``holder``'s transit key (see conftest's
    ``key_holder``); ``disabled`` marks it as the seal a migration moves away from."""
    return (
        'seal "transit" {\n'
        f'  address = "{holder.addr}"\n  token = "root"\n  key_name = "{TRANSIT_KEY}"\n'
        '  mount_path = "transit/"\n  disable_renewal = "true"\n'
        + ('  disabled = "true"\n' if disabled else "")
        + "}\n"
    )
