"""SQLiteBackend keeps its promise: an acknowledged write is committed, and cheaply.

The crash test SIGKILLs a writer process mid-stream. It proves that nothing is
acknowledged before COMMIT returns; it cannot simulate power loss, which is what
``synchronous=FULL`` adds on top.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyvault.physical.errors import PhysicalError
from pyvault.physical.sqlite import SQLiteBackend

WRITER = """
import asyncio, hashlib, sys
from pyvault.physical.sqlite import SQLiteBackend

def value(key):
    return hashlib.sha256(key.encode()).digest() * (1 + len(key) % 7)

async def writer(store, worker):
    i = 0
    while True:
        key = f"w{worker}/k{i}"
        await store.put(key, value(key))
        print("put", key, flush=True)
        if i % 3 == 0:
            await store.delete(key)
            print("del", key, flush=True)
        i += 1

async def main():
    store = SQLiteBackend(sys.argv[1])
    await store.open()
    print("ready", flush=True)
    await asyncio.gather(*(writer(store, w) for w in range(16)))

asyncio.run(main())
"""


def value(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest() * (1 + len(key) % 7)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteBackend]:
    backend = SQLiteBackend(str(tmp_path / "vault.db"))
    await backend.open()
    yield backend
    await backend.close()


async def run_writer_then_kill(db: Path, seconds: float) -> list[str]:
    """Start the writer, let it run, SIGKILL it; the complete lines it printed."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(db),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    lines: list[bytes] = []
    try:
        first = await asyncio.wait_for(child.stdout.readline(), timeout=20)
        assert first == b"ready\n", (first, await child.stderr.read())
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                lines.append(await asyncio.wait_for(child.stdout.readline(), remaining))
            except TimeoutError:
                break
    finally:
        if child.returncode is None:
            child.kill()
        lines.extend((await child.stdout.read()).splitlines(keepends=True))
        stderr = await child.stderr.read()
        await child.wait()
    assert child.returncode == -9, stderr.decode(errors="replace")
    # A line cut short by the kill acknowledges nothing.
    return [line.decode() for line in lines if line.endswith(b"\n")]


async def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    lines = await run_writer_then_kill(db, seconds=1.5)
    put = {line.split()[1] for line in lines if line.startswith("put ")}
    deleted = {line.split()[1] for line in lines if line.startswith("del ")}
    assert len(put) > 50, "the writer barely ran; the test proves nothing"

    store = SQLiteBackend(str(db))  # reopening recovers the WAL left by the kill
    await store.open()
    try:
        assert await store.get(min(put - deleted)) is not None
    finally:
        await store.close()
    with sqlite3.connect(db) as check:
        stored = dict(check.execute("SELECT key, value FROM vault_kv_store"))
    check.close()

    for key in put:
        if key in deleted:
            assert key not in stored, key
        elif int(key.rsplit("k", 1)[1]) % 3 == 0:
            # Its delete was in flight at the kill: either outcome is honest.
            assert stored.get(key, value(key)) == value(key), key
        else:
            assert stored.get(key) == value(key), key


async def test_group_commit_batches_concurrent_writes(store: SQLiteBackend) -> None:
    before = store.commit_count
    await asyncio.gather(*(store.put(f"g/{i}", b"x") for i in range(100)))
    assert 1 <= store.commit_count - before <= 5
    assert len(await store.list("g/")) == 100


async def test_sequential_writes_commit_one_by_one(store: SQLiteBackend) -> None:
    before = store.commit_count
    for i in range(5):
        await store.put(f"s/{i}", b"x")
    assert store.commit_count - before == 5


async def test_failed_commit_fails_every_caller_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "fail.db"
    with sqlite3.connect(path) as setup:  # a trigger that aborts any write of "boom"
        setup.execute("CREATE TABLE vault_kv_store (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        setup.execute(
            "CREATE TRIGGER no_boom BEFORE INSERT ON vault_kv_store WHEN NEW.key = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"
        )
    setup.close()
    store = SQLiteBackend(str(path))
    await store.open()
    try:
        results = await asyncio.gather(
            store.put("innocent", b"1"),
            store.put("boom", b"2"),
            store.delete("also-innocent"),
            return_exceptions=True,
        )
        assert all(isinstance(r, PhysicalError) for r in results), results
        assert "boom refused" in str(results[0])
        # The rolled-back batch must not ride along with the next commit.
        await store.put("later", b"3")
        assert await store.get("innocent") is None
        assert await store.get("later") == b"3"
    finally:
        await store.close()


async def test_close_commits_queued_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "flush.db")
    store = SQLiteBackend(path)
    await store.open()
    pending = [asyncio.create_task(store.put(f"q/{i}", b"v")) for i in range(20)]
    await asyncio.sleep(0)  # let them queue
    await store.close()
    await asyncio.gather(*pending)  # every one succeeded
    await store.close()  # idempotent
    with pytest.raises(PhysicalError, match="not open"):
        await store.put("after", b"x")
    with pytest.raises(PhysicalError, match="not open"):
        await store.get("q/1")

    again = SQLiteBackend(path)
    await again.open()
    try:
        assert len(await again.list("q/")) == 20
    finally:
        await again.close()


async def test_readers_do_not_see_a_batch_before_it_commits(store: SQLiteBackend) -> None:
    await store.put("k", b"old")
    write = asyncio.create_task(store.put("k", b"new"))
    seen: set[bytes | None] = set()
    while not write.done():
        seen.add(await store.get("k"))
    await write
    assert seen <= {b"old", b"new"}
    assert await store.get("k") == b"new"


async def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    store = SQLiteBackend(str(tmp_path / "missing" / "x.db"))
    with pytest.raises(PhysicalError, match=r"missing.*does not exist"):
        await store.open()
    await store.close()  # harmless after a failed open


async def test_database_is_in_wal_mode(store: SQLiteBackend) -> None:
    with sqlite3.connect(store.path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    check.close()


@pytest.mark.parametrize("key", ["a\x00b", "lone\ud800surrogate"])
async def test_keys_sqlite_cannot_hold_are_refused(store: SQLiteBackend, key: str) -> None:
    with pytest.raises(PhysicalError, match="key"):
        await store.put(key, b"x")
    with pytest.raises(PhysicalError, match="key"):
        await store.list(key)


async def test_list_of_a_big_tree_shows_only_children(store: SQLiteBackend) -> None:
    """The skip-scan list over 30 000 keys returns the three folders (its speed is a
    benchmark matter, not a test assertion)."""
    await asyncio.gather(*(store.put(f"big/{i % 3}/{i}/x", b"v" * 200) for i in range(30_000)))
    assert await store.list("big/") == ["0/", "1/", "2/"]
    children = await store.list("big/1/")
    assert len(children) == 10_000 and children[:2] == ["1/", "10/"]
