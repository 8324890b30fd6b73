"""The default durable store: one SQLite file in WAL mode, written by group commit.

Every acknowledged ``put``/``delete`` is fsynced (``synchronous=FULL``). To keep that
affordable under load, writes are not committed by their callers: they join a queue
and a single writer task commits everything queued so far in one transaction, then
answers every caller. N concurrent writes therefore cost about one fsync, not N.

Reads use a second connection. In WAL mode it never waits for the writer and, since
a caller is answered only after COMMIT returns, it sees every acknowledged write.

Both connections are aiosqlite's (each runs its own thread). Every statement is one
thread hop with no cursor to fetch from or close (``execute_fetchall``), so a read is
one hop and a whole group commit three or four (BEGIN, executemany, COMMIT).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from pyvault.physical.errors import PhysicalError
from pyvault.physical.protocol import TxnOp

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vault_kv_store (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
)
"""
_GET = "SELECT value FROM vault_kv_store WHERE key = ?"
_UPSERT = (
    "INSERT INTO vault_kv_store (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_DELETE = "DELETE FROM vault_kv_store WHERE key = ?"

# ``list`` is a skip scan run by SQLite in one statement: find the first key under
# the prefix, turn it into a child name, then seek straight past every key that
# child covers. The cost is one index seek per child, whatever the number of
# grandchildren, and the values are never read (the key index covers the query).
# The range bounds are plain comparisons, never LIKE, so "%" and "_" are ordinary.
_CHILD = "CASE WHEN instr(rest, '/') > 0 THEN substr(rest, 1, instr(rest, '/')) ELSE rest END"
_LIST = """
WITH RECURSIVE walk (child) AS (
    SELECT (SELECT {child} FROM (
        SELECT substr(key, :n + 1) AS rest FROM vault_kv_store
        WHERE key >= :lo {upper} ORDER BY key LIMIT 1))
    UNION ALL
    SELECT (SELECT {child} FROM (
        SELECT substr(key, :n + 1) AS rest FROM vault_kv_store
        WHERE key >= :lo || CASE WHEN instr(walk.child, '/') > 0
                                 THEN replace(walk.child, '/', '0')
                                 ELSE walk.child || char(0) END
        {upper} ORDER BY key LIMIT 1))
    FROM walk WHERE walk.child IS NOT NULL
)
SELECT child FROM walk WHERE child IS NOT NULL
"""
# The seek past a folder "c/" starts at "c0" ("0" follows "/"); past a leaf "c" at
# "c\0", the smallest string after "c". Children come out in key order, which is
# also their sorted order (cutting keys at their first "/" keeps them ordered).
_LIST_BOUNDED = _LIST.format(child=_CHILD, upper="AND key < :hi")
_LIST_UNBOUNDED = _LIST.format(child=_CHILD, upper="")


def _upper_bound(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix``; None if none.

    SQLite compares TEXT as UTF-8 bytes, the same order as Python's code points.
    """
    points = [ord(c) for c in prefix]
    while points:
        last = points.pop() + 1
        if last <= 0x10FFFF:
            if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be stored as UTF-8
                last = 0xE000
            return "".join(map(chr, points)) + chr(last)
    return None


def _check_key(key: str) -> None:
    """Refuse keys SQLite TEXT cannot hold faithfully.

    A NUL would make SQLite's string functions stop early (and the list skip scan
    never advance); a lone surrogate has no UTF-8 form.
    """
    if "\x00" in key:
        raise PhysicalError(f"sqlite storage: key {key!r} contains a NUL character")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PhysicalError(f"sqlite storage: key {key!r} is not valid Unicode") from exc


def _check_path(path: str) -> None:
    """Refuse in-memory databases and missing directories before SQLite sees them.

    Two connections to ":memory:" would be two databases; and SQLite's own error
    for a missing directory ("unable to open database file") does not say why.
    """
    if path == ":memory:" or path.startswith("file:"):
        raise PhysicalError("sqlite storage: 'path' must be a file path")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise PhysicalError(f"sqlite storage: directory {directory!r} does not exist")


async def _fetchall(db: aiosqlite.Connection, sql: str,
                    params: Sequence[object] | dict[str, object] = ()) -> builtins.list[Any]:
    """One statement in one thread hop (``execute_fetchall`` has no cursor to close)."""
    return builtins.list(await db.execute_fetchall(sql, params))


async def _open_writer(db: aiosqlite.Connection) -> str:
    """WAL, fsync at every commit, the table; returns the journal mode obtained."""
    mode = await _fetchall(db, "PRAGMA journal_mode = WAL")
    # FULL: the WAL is fsynced at every commit; fullfsync matters on macOS only.
    await _fetchall(db, "PRAGMA synchronous = FULL")
    await _fetchall(db, "PRAGMA fullfsync = ON")
    await _fetchall(db, _SCHEMA)
    return str(mode[0][0]).lower() if mode else ""


async def _commit(db: aiosqlite.Connection, puts: builtins.list[tuple[str, bytes]],
                  deletes: builtins.list[tuple[str]]) -> None:
    """One transaction: BEGIN, the changes, COMMIT (or ROLLBACK) — one hop each."""
    await _fetchall(db, "BEGIN IMMEDIATE")
    try:
        if puts:
            await db.executemany(_UPSERT, puts)
        if deletes:
            await db.executemany(_DELETE, deletes)
        await _fetchall(db, "COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error, ValueError):
            await _fetchall(db, "ROLLBACK")
        raise


@dataclass(slots=True)
class _Write:
    """One queued unit of change: a put, a delete or a whole transaction.

    ``changes`` are (key, value) in call order, value None meaning delete; a unit is
    always committed whole, inside one group commit.
    """

    changes: builtins.list[tuple[str, bytes | None]]
    done: asyncio.Future[None]


class SQLiteBackend:
    """``PhysicalBackend`` over one SQLite file at ``path``.

    ``commit_count`` counts committed transactions, so tests and metrics can see
    how well group commit batches (``writes / commit_count``).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.commit_count = 0
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._queue: builtins.list[_Write] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False

    async def open(self) -> None:
        """Connect twice (writer, reader), switch to WAL and create the table."""
        if self._writer_task is not None or self._closing:
            raise PhysicalError("sqlite storage: open() called twice")
        _check_path(self.path)
        try:
            # Autocommit mode: transactions are exactly the BEGIN/COMMIT we issue.
            self._writer = await aiosqlite.connect(self.path, isolation_level=None)
            if await _open_writer(self._writer) != "wal":
                raise PhysicalError(f"sqlite storage: cannot use WAL mode on {self.path!r}")
            self._reader = await aiosqlite.connect(self.path, isolation_level=None)
            await _fetchall(self._reader, "PRAGMA query_only = ON")
        except (sqlite3.Error, PhysicalError) as exc:
            await self._disconnect()
            if isinstance(exc, PhysicalError):
                raise
            raise PhysicalError(f"sqlite storage: cannot open {self.path!r}: {exc}") from exc
        self._writer_task = asyncio.create_task(self._write_loop(), name="sqlite-group-commit")

    async def close(self) -> None:
        """Commit whatever is queued, then disconnect; safe to call twice."""
        self._closing = True
        self._wakeup.set()
        try:
            if self._writer_task is not None:
                await self._writer_task
        finally:
            await self._disconnect()

    async def get(self, key: str) -> bytes | None:
        """The committed value under ``key``, or None."""
        _check_key(key)
        try:
            rows = await _fetchall(self._reading(), _GET, (key,))
        except sqlite3.Error as exc:
            raise PhysicalError(f"sqlite storage: get {key!r} failed: {exc}") from exc
        return bytes(rows[0][0]) if rows else None

    async def put(self, key: str, value: bytes) -> None:
        """Queue the write and return once its transaction is committed."""
        _check_key(key)
        await self._submit([(key, bytes(value))])

    async def delete(self, key: str) -> None:
        """Queue the delete and return once its transaction is committed."""
        _check_key(key)
        await self._submit([(key, None)])

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        """Queue every op as one unit: it commits whole, in one group commit, or not."""
        changes: builtins.list[tuple[str, bytes | None]] = []
        for op, key, value in ops:
            _check_key(key)
            if op == "put":
                if value is None:
                    raise PhysicalError(f"sqlite storage: put {key!r} without a value")
                changes.append((key, bytes(value)))
            elif op == "delete":
                changes.append((key, None))
            else:
                raise PhysicalError(f"sqlite storage: unknown transaction op {op!r}")
        if changes:
            await self._submit(changes)

    async def list(self, prefix: str) -> builtins.list[str]:
        """Direct children of ``prefix`` by a skip scan over the key index."""
        _check_key(prefix)
        upper = _upper_bound(prefix)
        sql = _LIST_UNBOUNDED if upper is None else _LIST_BOUNDED
        params = {"n": len(prefix), "lo": prefix, "hi": upper}
        try:
            rows = await _fetchall(self._reading(), sql, params)
        except sqlite3.Error as exc:
            raise PhysicalError(f"sqlite storage: list {prefix!r} failed: {exc}") from exc
        return [str(row[0]) for row in rows]

    def _reading(self) -> aiosqlite.Connection:
        if self._reader is None or self._closing:
            raise PhysicalError("sqlite storage is not open")
        return self._reader

    async def _submit(self, changes: builtins.list[tuple[str, bytes | None]]) -> None:
        if self._writer_task is None or self._closing:
            raise PhysicalError("sqlite storage is not open")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Write(changes, done))
        self._wakeup.set()
        await done

    async def _write_loop(self) -> None:
        """Commit the queue, batch after batch, until closed and drained."""
        try:
            while True:
                if not self._queue:
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                batch, self._queue = self._queue, []
                # A caller cancelled before its commit began is not written.
                batch = [w for w in batch if not w.done.done()]
                if batch:
                    await self._commit(batch)
        finally:
            # Only reached early if this task is cancelled: nobody may wait forever.
            for write in self._queue:
                _fail(write, "sqlite storage: writer stopped before commit")
            self._queue = []

    async def _commit(self, batch: builtins.list[_Write]) -> None:
        """One transaction for the batch; every caller learns the same outcome."""
        assert self._writer is not None
        latest: dict[str, bytes | None] = {}
        for write in batch:  # queue order is call order: the last change to a key wins
            latest.update(write.changes)
        puts = [(k, v) for k, v in latest.items() if v is not None]
        deletes = [(k,) for k, v in latest.items() if v is None]
        try:
            await _commit(self._writer, puts, deletes)
        except BaseException as exc:
            for write in batch:
                _fail(write, f"sqlite storage: commit failed: {exc!r}", exc)
            if not isinstance(exc, Exception):
                raise
            return
        self.commit_count += 1
        for write in batch:
            if not write.done.done():
                write.done.set_result(None)

    async def _disconnect(self) -> None:
        connections = (self._reader, self._writer)
        self._reader = self._writer = None
        for db in connections:
            if db is not None:
                await db.close()


def _fail(write: _Write, message: str, cause: BaseException | None = None) -> None:
    """Give each waiter its own exception object (tracebacks are per raise)."""
    if not write.done.done():
        error = PhysicalError(message)
        error.__cause__ = cause
        write.done.set_exception(error)
