"""Audit sinks. A device only moves bytes; formatting and hashing happen in the
broker, once per device. Every device bounds its own wait, so one slow sink
cannot stall requests for longer than its timeout."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from typing import IO, Protocol

from pyvault.util.durations import parse_duration


class AuditSinkError(Exception):
    """The device could not take the entry (the broker counts it as a failure)."""


class Sink(Protocol):
    async def write(self, line: bytes) -> None: ...

    async def reopen(self) -> None:
        """SIGHUP: start a new file after log rotation (no-op for non-files)."""
        ...

    async def close(self) -> None: ...


class FileSink:
    """``file_path``: a file opened for append, or ``stdout``, or ``discard``.

    Writes run in a worker thread (blocking I/O stays off the event loop); a
    threading lock keeps lines whole when several requests write at once.
    """

    def __init__(self, path: str, mode: int) -> None:
        self._path = path
        self._mode = mode
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None

    @property
    def discards(self) -> bool:
        return self._path == "discard"

    def _open(self) -> None:
        if self._path in ("discard", "stdout"):
            return
        directory = os.path.dirname(self._path)
        if directory:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self._mode or 0o600)
        if self._mode:
            os.fchmod(fd, self._mode)
        self._file = os.fdopen(fd, "ab", buffering=0)

    async def open(self) -> None:
        await asyncio.to_thread(self._locked, self._open)

    def _locked(self, action: object) -> None:
        with self._lock:
            assert callable(action)
            action()

    def _write(self, line: bytes) -> None:
        with self._lock:
            if self._path == "discard":
                return
            if self._path == "stdout":
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
                return
            if self._file is None:
                self._open()
            assert self._file is not None
            self._file.write(line)

    async def write(self, line: bytes) -> None:
        try:
            await asyncio.to_thread(self._write, line)
        except OSError as exc:
            raise AuditSinkError(str(exc)) from None

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    async def reopen(self) -> None:
        def again() -> None:
            self._close_file()
            self._open()

        await asyncio.to_thread(self._locked, again)

    async def close(self) -> None:
        await asyncio.to_thread(self._locked, self._close_file)


class SocketSink:
    """``socket``: tcp, udp or unix; one connection, re-dialled after a failure."""

    def __init__(self, address: str, socket_type: str, write_timeout: float) -> None:
        self._address = address
        self._type = socket_type
        self._timeout = write_timeout
        self._writer: asyncio.StreamWriter | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._lock = asyncio.Lock()

    async def _dial(self) -> None:
        if self._type == "unix":
            _, self._writer = await asyncio.open_unix_connection(self._address)
            return
        host, _, port = self._address.rpartition(":")
        if self._type == "udp":
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=(host.strip("[]"), int(port))
            )
            self._udp = transport
            return
        _, self._writer = await asyncio.open_connection(host.strip("[]"), int(port))

    async def _send(self, line: bytes) -> None:
        if self._writer is None and self._udp is None:
            await self._dial()
        if self._udp is not None:
            self._udp.sendto(line)
            return
        assert self._writer is not None
        self._writer.write(line)
        await self._writer.drain()

    async def write(self, line: bytes) -> None:
        try:
            async with asyncio.timeout(self._timeout), self._lock:
                try:
                    await self._send(line)
                except OSError:
                    await self._drop()  # one retry on a fresh connection, as Vault's
                    await self._send(line)
        except (OSError, TimeoutError, ValueError) as exc:
            await self._drop()
            raise AuditSinkError(str(exc) or "write timed out") from None

    async def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None

    async def reopen(self) -> None:
        await self._drop()

    async def close(self) -> None:
        await self._drop()


SYSLOG_FACILITIES = {
    "KERN": 0, "USER": 1, "MAIL": 2, "DAEMON": 3, "AUTH": 4, "SYSLOG": 5, "LPR": 6,
    "NEWS": 7, "UUCP": 8, "CRON": 9, "AUTHPRIV": 10, "FTP": 11,
    **{f"LOCAL{i}": 16 + i for i in range(8)},
}
SYSLOG_SOCKETS = ("/dev/log", "/var/run/syslog", "/var/run/log")


class SyslogSink:
    """``syslog``: RFC 3164 datagrams to the local syslog socket, priority INFO."""

    def __init__(self, facility: str, tag: str) -> None:
        self._priority = SYSLOG_FACILITIES[facility] * 8 + 6
        self._tag = tag

    def _send(self, line: bytes) -> None:
        message = f"<{self._priority}>{self._tag}[{os.getpid()}]: ".encode() + line.rstrip(b"\n")
        for path in SYSLOG_SOCKETS:
            if not os.path.exists(path):
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.settimeout(2.0)
                sock.connect(path)
                sock.send(message)
                return
        raise OSError("Unix syslog delivery error")

    async def write(self, line: bytes) -> None:
        try:
            await asyncio.to_thread(self._send, line)
        except OSError as exc:
            raise AuditSinkError(str(exc) or "Unix syslog delivery error") from None

    async def reopen(self) -> None:
        return None

    async def close(self) -> None:
        return None


def parse_timeout(raw: str) -> float:
    return float(parse_duration(raw))
