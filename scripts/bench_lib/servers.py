"""The four targets: pyvault and the reference, each in dev mode and on durable storage.

Every server runs as ``taskset -c <core> nice -n -10 <server>`` (nice as root only; taskset,
nice and the bao wrapper all
exec, so the pid we keep is the server's own), on a free loopback port, with a private
HOME and no VAULT_*/BAO_* variables. Non-dev servers are initialised (1 share) and
unsealed over the HTTP API.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_lib.client import Client, Reply
from bench_lib.procstat import pinned

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_GRACE = 15.0
INIT_TIMEOUT = 60.0  # raft's sys/init waits for a leader election
# Both servers refuse API-created audit devices without it; the audit scenarios need one.
AUDIT_HCL = "unsafe_allow_api_audit_creation = true\n"


@dataclass(frozen=True)
class TargetSpec:
    name: str  # e.g. "pyvault-sqlite"
    kind: str  # "pyvault" | "reference"
    mode: str  # "dev" (in memory) | "durable" (SQLite / raft)


TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec("reference-dev", "reference", "dev"),
    TargetSpec("pyvault-dev", "pyvault", "dev"),
    TargetSpec("reference-raft", "reference", "durable"),
    TargetSpec("pyvault-sqlite", "pyvault", "durable"),
)
ALIASES: dict[str, tuple[str, ...]] = {
    "all": tuple(t.name for t in TARGETS),
    "dev": ("reference-dev", "pyvault-dev"),
    "durable": ("reference-raft", "pyvault-sqlite"),
    "pyvault": ("pyvault-dev", "pyvault-sqlite"),
    "reference": ("reference-dev", "reference-raft"),
}


class ServerError(RuntimeError):
    """str() is one line; ``detail`` has the command and the server's log tail."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def free_port_pair() -> int:
    """A free loopback port whose successor is free too (OpenBao's cluster port)."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise ServerError("no free pair of loopback ports")


def bao_binary() -> str:
    return str(Path(sys.executable).parent / "bao")


class Server:
    def __init__(self, spec: TargetSpec, workdir: Path, core: int) -> None:
        self.spec = spec
        self.workdir = workdir
        self.core = core
        self.port = free_port_pair()
        self.token = "root"
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "home").mkdir(exist_ok=True)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def client(self, token: str | None = None) -> Client:
        return Client(self.port, token if token is not None else self.token)

    def command(self) -> list[str]:
        if self.spec.kind == "reference":
            head = [bao_binary(), "server"]
        else:
            head = [sys.executable, "-m", "pyvault", "server"]
        args = [f"-config={self.workdir / 'server.hcl'}"]
        if self.spec.mode == "dev":  # dev mode keeps the config's settings, not its storage
            args += ["-dev", "-dev-root-token-id=root",
                     f"-dev-listen-address=127.0.0.1:{self.port}"]
        return [*pinned(self.core), *head, *args]

    def config_text(self) -> str:
        if self.spec.mode == "dev":
            return AUDIT_HCL
        listener = (f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n'
                    "  tls_disable = true\n}\n")
        if self.spec.kind == "pyvault":
            return (f'storage "sqlite" {{\n  path = "{self.workdir / "vault.db"}"\n}}\n'
                    + listener + AUDIT_HCL)
        raft = self.workdir / "raft"
        raft.mkdir(exist_ok=True)
        return (f'storage "raft" {{\n  path = "{raft}"\n  node_id = "n1"\n}}\n' + listener
                + f'cluster_addr = "http://127.0.0.1:{self.port + 1}"\n'
                + f'api_addr = "http://127.0.0.1:{self.port}"\n'
                + "disable_mlock = true\n" + AUDIT_HCL)

    def start(self) -> None:
        (self.workdir / "server.hcl").write_text(self.config_text())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["HOME"] = str(self.workdir / "home")
        if self.spec.kind == "pyvault":
            env["PYTHONPATH"] = str(ROOT)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(), cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        client = Client(self.port, timeout=5.0)
        try:
            self._wait(client, "sys/seal-status", deadline, lambda r: r.status == 200)
            if self.spec.mode == "durable":
                self._init_unseal(Client(self.port, timeout=INIT_TIMEOUT))
            self._wait(client, "sys/health", deadline, lambda r: r.status == 200)
        finally:
            client.close()

    def _wait(
        self, client: Client, path: str, deadline: float, good: Callable[[Reply], bool]
    ) -> None:
        assert self.proc is not None
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self.failure(f"exited with code {self.proc.returncode}")
            try:
                reply = client.request("GET", path)
                if good(reply):
                    return
                last = reply.why()
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        raise self.failure(f"GET {path} not ready in time ({last})")

    def _init_unseal(self, client: Client) -> None:
        try:
            init = client.request("PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
            self._check(init, "PUT sys/init")
            answer = init.json()
            self.token = answer["root_token"]
            unseal = client.request("PUT", "sys/unseal", {"key": answer["keys_base64"][0]})
            self._check(unseal, "PUT sys/unseal")
        except OSError as exc:
            raise self.failure(f"init/unseal: {exc!r}") from exc
        finally:
            client.close()

    def _check(self, reply: Reply, what: str) -> None:
        if not reply.ok:
            raise self.failure(f"{what}: {reply.why()}")

    def failure(self, what: str) -> ServerError:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-25:]
        except OSError:
            lines = ["<no log>"]
        tail = "\n".join("    " + line for line in lines)
        return ServerError(f"{self.name} {what}", f"  command: {' '.join(self.command())}\n"
                           f"  log ({self.log_path}):\n{tail}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_GRACE)
