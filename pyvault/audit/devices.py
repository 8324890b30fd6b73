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
    threading lock keeps lines whole when several requests write at once. Lines
    that arrive while a write is in the thread are batched into the next single
    write, so a busy server pays one thread hop per batch, not per line; each
    writer still waits until its own line is written (fail closed).
    """

    def __init__(self, path: str, mode: int) -> None:
        self._path = path
        self._mode = mode
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False  # a late write must not reopen a disabled device's file

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
            if self._closed:
                raise OSError("audit device is closed")
            if self._file is None:
                self._open()
            assert self._file is not None
            view = memoryview(line)
            while view:  # a short write (e.g. the disk filled up) leaves the rest
                written = self._file.write(view)
                if not written:
                    raise OSError("short write to the audit file")
                view = view[written:]

    async def write(self, line: bytes) -> None:
        if self._path == "discard":
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((line, done))
        if self._flusher is None:
            # A task, not the caller: a cancelled request must not strand the batch.
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                error: AuditSinkError | None = None
                try:
                    await asyncio.to_thread(self._write, b"".join(line for line, _ in batch))
                except OSError as exc:
                    error = AuditSinkError(str(exc))
                for _, done in batch:
                    if done.done():
                        continue
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(error)
        finally:
            self._flusher = None

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
        def close() -> None:
            self._closed = True
            self._close_file()

        await asyncio.to_thread(self._locked, close)


class _DialError(OSError):
    """A failed dial, its text already in Go's form."""


def _multierror(messages: list[str]) -> str:
    count = f"{len(messages)} error{'s' if len(messages) != 1 else ''} occurred"
    return count + ":\n" + "".join(f"\t* {m}\n" for m in messages) + "\n"


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

    def _dial_error(self, exc: OSError) -> str:
        """Go's net error text: ``dial tcp 127.0.0.1:1: connect: connection refused``."""
        reason = (os.strerror(exc.errno) if exc.errno else str(exc)).lower()
        return f"dial {self._type} {self._address}: connect: {reason}"

    async def _connect(self) -> None:
        try:
            await self._dial()
        except OSError as exc:
            raise _DialError(self._dial_error(exc)) from None

    async def write(self, line: bytes) -> None:
        """Write; on failure re-dial once and write again, as Vault's socket sink.
        Two dial failures are reported together (go-multierror's text)."""
        try:
            async with asyncio.timeout(self._timeout), self._lock:
                try:
                    if self._writer is None and self._udp is None:
                        await self._connect()
                    await self._send(line)
                except OSError as first:
                    await self._drop()
                    try:
                        await self._connect()
                    except _DialError as second:
                        raise AuditSinkError(_multierror([str(first), str(second)])) from None
                    await self._send(line)
        except AuditSinkError:
            await self._drop()
            raise
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
        """Like Go's log/syslog: each local socket path, datagram then stream; a
        path that refuses is skipped, and none left is "Unix syslog delivery error"."""
        message = f"<{self._priority}>{self._tag}[{os.getpid()}]: ".encode() + line.rstrip(b"\n")
        for path in SYSLOG_SOCKETS:
            for kind, payload in ((socket.SOCK_DGRAM, message), (socket.SOCK_STREAM,
                                                                 message + b"\n")):
                try:
                    with socket.socket(socket.AF_UNIX, kind) as sock:
                        sock.settimeout(2.0)
                        sock.connect(path)
                        sock.sendall(payload)
                        return
                except OSError:
                    continue
        raise OSError("Unix syslog delivery error")

    def reachable(self) -> bool:
        """Whether a local syslog socket takes a connection (Go's ``syslog.New``
        dials when the device is built, so enabling fails with its error)."""
        for path in SYSLOG_SOCKETS:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                try:
                    with socket.socket(socket.AF_UNIX, kind) as sock:
                        sock.settimeout(2.0)
                        sock.connect(path)
                        return True
                except OSError:
                    continue
        return False

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
