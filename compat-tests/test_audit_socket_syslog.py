"""socket and syslog audit devices, and format=jsonx, on pyvault and the reference."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from audit_support import audit_server, layout
from harness import ServerProcess, selected_kinds

SYSLOG_SOCKETS = ("/dev/log", "/var/run/syslog", "/var/run/log")


@pytest.fixture(params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"sock-{request.param}")) as s:
        yield s


class Receiver:
    """A loopback TCP or UDP listener collecting the lines a device sends."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        family = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
        self.sock = socket.socket(socket.AF_INET, family)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.data = b""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        if kind == "tcp":
            self.sock.listen()
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                if self.kind == "udp":
                    self.data += self.sock.recv(65536)
                    continue
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.2)
                while not self.stop.is_set():
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    self.data += chunk

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.data.decode().splitlines() if line.strip()]

    def wait_for(self, path: str, entries: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [e for e in self.entries() if e["request"]["path"] == path]
            if len(found) >= entries:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path}: no {entries} entries in {self.data[-500:]!r}")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.mark.parametrize("socket_type", ["tcp", "udp"])
def test_socket_device_sends_the_entries(server: ServerProcess, socket_type: str) -> None:
    receiver = Receiver(socket_type)
    try:
        body = {"type": "socket", "options": {"address": f"127.0.0.1:{receiver.port}",
                                              "socket_type": socket_type}}
        assert server.request("PUT", "/v1/sys/audit/sock", json=body).status_code == 204
        assert server.request("PUT", "/v1/sys/mounts/kvs", json={"type": "kv"}).status_code == 204
        assert server.request("PUT", "/v1/kvs/a", json={"v": "sock-secret"}).status_code == 204
        request, response = receiver.wait_for("kvs/a", 2)
        assert (request["type"], response["type"]) == ("request", "response")
        assert "sock-secret" not in receiver.data.decode()
        assert request["request"]["data"]["v"].startswith("hmac-sha256:")
        listed = server.request("GET", "/v1/sys/audit").json()["data"]["sock/"]
        assert listed["type"] == "socket"
    finally:
        receiver.close()


def test_socket_device_entries_match_file_layout(server: ServerProcess) -> None:
    """The same request through a socket and a file device gives the same entry."""
    receiver = Receiver("tcp")
    try:
        log = server.workdir / "same.log"
        for name, body in (("s", {"type": "socket", "options": {
                                "address": f"127.0.0.1:{receiver.port}"}}),
                           ("f", {"type": "file", "options": {"file_path": str(log)}})):
            assert server.request("PUT", f"/v1/sys/audit/{name}", json=body).status_code == 204
        assert server.request("GET", "/v1/sys/mounts").status_code == 200
        via_socket = receiver.wait_for("sys/mounts", 2)
        via_file = [json.loads(line) for line in log.read_text().splitlines()
                    if json.loads(line)["request"]["path"] == "sys/mounts"]
        assert [layout(e) for e in via_socket] == [layout(e) for e in via_file]
    finally:
        receiver.close()


def test_socket_device_that_cannot_connect_is_refused(server: ServerProcess) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    body = {"type": "socket", "options": {"address": f"127.0.0.1:{port}"}}
    refused = server.request("PUT", "/v1/sys/audit/nope", json=body)
    assert refused.status_code == 400
    dial = f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    assert refused.json()["errors"] == [
        f"audit backend failed test message: 2 errors occurred:\n\t* {dial}\n\t* {dial}\n\n"]
    missing = server.request("PUT", "/v1/sys/audit/nope",
                             json={"type": "socket", "options": {"socket_type": "tcp"}})
    assert missing.status_code == 400 and missing.json()["errors"] == ["address is required"]


def _syslog_reachable() -> bool:
    for path in SYSLOG_SOCKETS:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            try:
                with socket.socket(socket.AF_UNIX, kind) as sock:
                    sock.connect(path)
                    return True
            except OSError:
                continue
    return False


@pytest.mark.skipif(_syslog_reachable(), reason="a syslog daemon listens on this host")
def test_syslog_device_without_syslog_is_refused(server: ServerProcess) -> None:
    answer = server.request("PUT", "/v1/sys/audit/sl",
                            json={"type": "syslog", "options": {"tag": "bao"}})
    assert answer.status_code == 400
    assert answer.json() == {"errors": ["Unix syslog delivery error"]}
    assert "sl/" not in server.request("GET", "/v1/sys/audit").json()["data"]


def test_jsonx_follows_vault(server: ServerProcess) -> None:
    """Vault (current docs) still has ``format = "jsonx"``; OpenBao 2.7 removed it
    and refuses the device. pyvault follows Vault (DESIGN.md §1: where they differ,
    Vault's documentation wins), so this checks each server's own answer."""
    log = server.workdir / "x.log"
    answer = server.request("PUT", "/v1/sys/audit/jx", json={
        "type": "file", "options": {"file_path": str(log), "format": "jsonx"}})
    if server.kind == "reference":
        assert answer.status_code == 400
        assert "jsonx formatting has been removed" in answer.json()["errors"][0]
        return
    assert answer.status_code == 204
    assert server.request("GET", "/v1/sys/mounts").status_code == 200
    lines = log.read_text().splitlines()
    assert lines and all(line.startswith('<?xml version="1.0" encoding="UTF-8"?><json:object')
                         for line in lines)
    assert any('<json:string name="path">sys/mounts</json:string>' in line for line in lines)
    assert os.stat(log).st_mode & 0o777 == 0o600
