"""Several server processes on one PostgreSQL database: pyvault nodes, or the
reference's, for the HA tests. Each cluster gets its own tables, dropped after."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.server import (
    HTTPResult,
    PyvaultServer,
    call,
    free_port,
    wait_until_serving,
)
from tests.postgres import PG_URL, require_postgres, table_names
from tests.postgres import drop_tables as drop_pg_tables


def postgres_or_skip() -> None:
    asyncio.run(require_postgres())


def drop_tables(*tables: str) -> None:
    asyncio.run(drop_pg_tables(*tables))


def bao() -> str:
    """The reference's CLI/server: on PATH, or next to this Python (the venv)."""
    return shutil.which("bao") or str(Path(sys.executable).parent / "bao")


@dataclass
class Node:
    """One cluster member: a pyvault process (or the reference's)."""

    workdir: Path
    storage: str
    reference: bool = False
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def addr(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cluster_addr(self) -> str:
        return f"https://127.0.0.1:{self.port + 1}"

    def config_text(self) -> str:
        return (
            f"{self.storage}\n"
            f'listener "tcp" {{\n  address = "127.0.0.1:{self.port}"\n'
            f'  cluster_address = "127.0.0.1:{self.port + 1}"\n  tls_disable = true\n}}\n'
            f'api_addr = "{self.addr}"\ncluster_addr = "{self.cluster_addr}"\n'
            "disable_mlock = true\n"
        )

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "node.hcl"
        config.write_text(self.config_text())
        if self.reference:
            command = [bao(), "server", f"-config={config}"]
            env = dict(os.environ)
            with (self.workdir / "server.log").open("ab") as log:
                self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                             env=env, cwd=self.workdir)
            wait_until_serving(self.proc, self.addr, self.log_tail, timeout=30)
        else:
            server = PyvaultServer(self.workdir, port=self.port)
            server.start(f"-config={config}")
            self.proc = server.proc

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def health(self) -> int:
        try:
            return call(self.addr, "GET", "sys/health").status
        except OSError:
            return 0

    def call(self, method: str, path: str, body: object = None,
             token: str | None = None) -> HTTPResult:
        return call(self.addr, method, path, body, token)

    def log_tail(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@dataclass
class Cluster:
    nodes: list[Node]
    keys: list[str] = field(default_factory=list)
    root_token: str = ""

    def init_and_unseal(self) -> None:
        answer = self.nodes[0].call("PUT", "sys/init",
                                    {"secret_shares": 3, "secret_threshold": 2})
        assert answer.status == 200, answer.body
        self.keys, self.root_token = answer.body["keys_base64"], answer.body["root_token"]
        self.unseal(self.nodes[0])
        wait_until(lambda: self.nodes[0].health() == 200, 30, "first node active")
        for node in self.nodes[1:]:
            self.unseal(node)
        for node in self.nodes[1:]:
            wait_until(lambda node=node: node.health() == 429, 30, "node standing by")

    def unseal(self, node: Node) -> None:
        for key in self.keys[:2]:
            answer = node.call("PUT", "sys/unseal", {"key": key})
            assert answer.status == 200, answer.body

    def active(self) -> Node:
        actives = [node for node in self.nodes if node.proc is not None and node.health() == 200]
        assert len(actives) == 1, [node.health() for node in self.nodes]
        return actives[0]

    def standbys(self) -> list[Node]:
        return [node for node in self.nodes if node.proc is not None and node.health() == 429]


def wait_until(condition: object, timeout: float, what: str) -> float:
    """Poll ``condition`` until true; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for: {what}")


@pytest.fixture
def pg_tables() -> Iterator[tuple[str, str]]:
    postgres_or_skip()
    tables = table_names("ha")
    yield tables
    drop_tables(*tables)


def storage_block(tables: tuple[str, str]) -> str:
    return (
        'storage "postgresql" {\n'
        f'  connection_url = "{pg_url_for_servers()}"\n'
        f'  table = "{tables[0]}"\n  ha_table = "{tables[1]}"\n  ha_enabled = "true"\n}}'
    )


def pg_url_for_servers() -> str:
    """The reference's driver wants TLS unless told otherwise; the local server has none."""
    return PG_URL if "sslmode=" in PG_URL else PG_URL + ("&" if "?" in PG_URL else "?") + \
        "sslmode=disable"


def make_cluster(tmp_path: Path, tables: tuple[str, str], count: int,
                 *, reference: bool = False) -> Cluster:
    nodes = [Node(tmp_path / f"node{i}", storage_block(tables), reference=reference)
             for i in range(count)]
    for node in nodes:
        node.start()
    return Cluster(nodes)
