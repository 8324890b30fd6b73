"""Device errors in the reference's words: Go's dial errors (two, after the retry)
and log/syslog's "Unix syslog delivery error" when no local socket takes a message."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from pyvault.audit import devices
from pyvault.audit.devices import AuditSinkError, SocketSink
from pyvault.audit.table import AuditEntry, make_sink
from pyvault.logical.errors import InvalidRequest


async def test_refused_dial_is_reported_twice_as_go_does() -> None:
    sink = SocketSink("127.0.0.1:1", "tcp", 2.0)
    with pytest.raises(AuditSinkError) as caught:
        await sink.write(b"x\n")
    dial = "dial tcp 127.0.0.1:1: connect: connection refused"
    assert str(caught.value) == f"2 errors occurred:\n\t* {dial}\n\t* {dial}\n\n"


async def test_missing_unix_socket_names_path(tmp_path: Path) -> None:
    path = str(tmp_path / "none.sock")
    with pytest.raises(AuditSinkError, match=f"dial unix {path}: connect: no such file"):
        await SocketSink(path, "unix", 2.0).write(b"x\n")


async def test_syslog_skips_a_path_that_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory where a socket was expected (as /var/run/log on some hosts) is
    skipped; the next path gets the message."""
    refusing = tmp_path / "dir"
    refusing.mkdir()
    good = str(tmp_path / "log.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(good)
    receiver.setblocking(False)
    monkeypatch.setattr(devices, "SYSLOG_SOCKETS", (str(refusing), good))
    sink = devices.SyslogSink("AUTH", "vault")
    assert sink.reachable()
    await sink.write(b'{"a":1}\n')
    message = await asyncio.get_running_loop().sock_recv(receiver, 4096)
    receiver.close()
    assert message.startswith(b"<38>vault[")  # AUTH (4) * 8 + INFO (6)


def test_syslog_device_without_syslog_is_refused_at_enable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devices, "SYSLOG_SOCKETS", (str(tmp_path),))
    with pytest.raises(InvalidRequest, match=r"^Unix syslog delivery error$"):
        make_sink(AuditEntry(path="s/", type="syslog", options={"tag": "x"}))
