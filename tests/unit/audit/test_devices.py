"""Socket and file sinks against real local sockets and files."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from pyvault.audit import devices
from pyvault.audit.devices import AuditSinkError, FileSink, SocketSink

HAS_DEV_FULL = Path("/dev/full").exists()


async def test_tcp_socket_delivers_lines() -> None:
    received: list[bytes] = []
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readline())
        received.append(await reader.readline())
        done.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sink = SocketSink(f"127.0.0.1:{port}", "tcp", 5.0)
    await sink.write(b'{"a":1}\n')
    await sink.write(b'{"b":2}\n')
    await done.wait()
    assert received == [b'{"a":1}\n', b'{"b":2}\n']
    await sink.close()
    server.close()
    await server.wait_closed()


async def test_stalled_reader_fails_within_write_timeout(tmp_path: Path) -> None:
    """A peer that never reads fills the buffers; the sink gives up at its
    write_timeout instead of blocking the request."""
    hold = asyncio.Event()

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()
        writer.close()

    path = str(tmp_path / "s.sock")
    server = await asyncio.start_unix_server(never_read, path)
    sink = SocketSink(path, "unix", 0.2)
    with pytest.raises(AuditSinkError):
        for _ in range(64):
            await sink.write(b"x" * (1 << 20))
    hold.set()
    await sink.close()
    server.close()
    await server.wait_closed()


async def test_refused_connection_is_a_sink_error() -> None:
    sink = SocketSink("127.0.0.1:1", "tcp", 1.0)
    with pytest.raises(AuditSinkError):
        await sink.write(b"x\n")


async def test_file_mode_and_unwritable(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "a.log"
    sink = FileSink(str(path), 0o640)
    await sink.open()
    await sink.write(b"line\n")
    assert path.read_bytes() == b"line\n"
    assert path.stat().st_mode & 0o777 == 0o640
    await sink.close()


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
async def test_full_device_is_a_sink_error() -> None:
    full = FileSink("/dev/full", 0)
    with pytest.raises(AuditSinkError):
        await full.write(b"x\n")
    await full.close()


async def test_syslog_sends_rfc3164_datagram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "log.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.setblocking(False)
    monkeypatch.setattr(devices, "SYSLOG_SOCKETS", (path,))
    sink = devices.SyslogSink("LOCAL0", "bao")
    await sink.write(b'{"type":"request"}\n')
    message = await asyncio.get_running_loop().sock_recv(receiver, 4096)
    receiver.close()
    # LOCAL0 (16) * 8 + INFO (6) = 134
    assert message.startswith(b"<134>bao[") and message.endswith(b']: {"type":"request"}')


async def test_syslog_without_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "SYSLOG_SOCKETS", ("/nonexistent/log",))
    with pytest.raises(AuditSinkError, match="Unix syslog delivery error"):
        await devices.SyslogSink("AUTH", "vault").write(b"x\n")
