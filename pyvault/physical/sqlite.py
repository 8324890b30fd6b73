"""SQLite storage (aiosqlite): WAL, durable commits, group commit.

Writes are queued and one writer task commits everything queued in a single
transaction (``synchronous=FULL``), then resolves each caller. A burst of N
concurrent writes therefore costs one fsync, not N, and no caller is told "done"
before its write is on disk.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
from dataclasses import dataclass, field

import aiosqlite

from pyvault.physical.errors import PhysicalError

_SCHEMA = "CREATE TABLE IF NOT EXISTS vault_kv_store (key TEXT PRIMARY KEY, value BLOB NOT NULL)"


@dataclass(slots=True)
class _Write:
    key: str
    value: bytes | None  # None = delete
    done: asyncio.Future[None] = field(repr=False)


def upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``."""
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class SQLiteBackend:
    def __init__(self, path: str) -> None:
        self._path = path
        self._db: aiosqlite.Connection | None = None
        self._queue: builtins.list[_Write] = []
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.commit_count = 0

    async def open(self) -> None:
        directory = os.path.dirname(os.path.abspath(self._path))  # noqa: ASYNC240
        if not os.path.isdir(directory):  # noqa: ASYNC240 - once, at start-up
            raise PhysicalError(f"sqlite storage: directory {directory!r} does not exist")
        try:
            self._db = await aiosqlite.connect(self._path, isolation_level=None)
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=FULL")
            await self._db.execute(_SCHEMA)
        except Exception as exc:  # sqlite3 errors name the file, never data
            raise PhysicalError(f"sqlite storage: cannot open {self._path!r}: {exc}") from exc
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-group-commit")

    async def close(self) -> None:
        if self._writer is not None:
            while self._queue:
                self._wakeup.set()
                await asyncio.sleep(0)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise PhysicalError("sqlite storage is not open")
        return self._db

    async def get(self, key: str) -> bytes | None:
        async with self._conn().execute(
            "SELECT value FROM vault_kv_store WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else bytes(row[0])

    async def put(self, key: str, value: bytes) -> None:
        await self._enqueue(key, bytes(value))

    async def delete(self, key: str) -> None:
        await self._enqueue(key, None)

    async def list(self, prefix: str) -> builtins.list[str]:
        upper = upper_bound(prefix)
        if upper is None:
            query, args = "SELECT key FROM vault_kv_store", ()
        else:
            query = "SELECT key FROM vault_kv_store WHERE key >= ? AND key < ?"
            args = (prefix, upper)  # type: ignore[assignment]
        children: set[str] = set()
        async with self._conn().execute(query, args) as cursor:
            async for (key,) in cursor:
                rest = key[len(prefix) :]
                slash = rest.find("/")
                children.add(rest if slash < 0 else rest[: slash + 1])
        return sorted(children)

    async def _enqueue(self, key: str, value: bytes | None) -> None:
        if self._writer is None:
            raise PhysicalError("sqlite storage is not open")
        write = _Write(key, value, asyncio.get_running_loop().create_future())
        self._queue.append(write)
        self._wakeup.set()
        await write.done

    async def _write_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._commit(batch)

    async def _commit(self, batch: builtins.list[_Write]) -> None:
        db = self._conn()
        try:
            await db.execute("BEGIN IMMEDIATE")
            for write in batch:
                if write.value is None:
                    await db.execute("DELETE FROM vault_kv_store WHERE key = ?", (write.key,))
                else:
                    await db.execute(
                        "INSERT INTO vault_kv_store (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (write.key, write.value),
                    )
            await db.execute("COMMIT")
            self.commit_count += 1
        except Exception as exc:
            with contextlib.suppress(Exception):  # the original error is what callers need
                await db.execute("ROLLBACK")
            error = PhysicalError(f"sqlite storage: write failed: {type(exc).__name__}")
            for write in batch:
                if not write.done.done():
                    write.done.set_exception(error)
            return
        for write in batch:
            if not write.done.done():
                write.done.set_result(None)
