"""The PostgreSQL HA lock and its write fencing, against a real server.

Each test gets its own kv and ha tables (dropped afterwards). Nodes are separate
backends (own pools and lock connections) in this process, or, for SIGKILL and
SIGSTOP, a separate process (tests/integration/pg_lock_holder.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql import LockTiming, PostgreSQLBackend
from tests.postgres import PG_URL, drop_tables, require_postgres, table_names

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

KEY = "core/lock"
FAST = LockTiming(ttl=3.0, renew_interval=0.3, retry_interval=0.1)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def tables() -> AsyncIterator[tuple[str, str]]:
    await require_postgres()
    names = table_names("lock")
    yield names
    await drop_tables(*names)


@pytest.fixture
async def nodes(tables: tuple[str, str]) -> AsyncIterator[list[PostgreSQLBackend]]:
    """Three nodes on the same tables, with a short lease so tests run quickly."""
    made = [PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], ha_enabled=True,
                              max_parallel=4, lock_timing=FAST) for _ in range(3)]
    for node in made:
        await node.open()
    yield made
    for node in made:
        await node.close()


async def raw() -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(PG_URL)
    return conn


async def lock_row(table: str) -> asyncpg.Record | None:
    conn = await raw()
    try:
        row: asyncpg.Record | None = await conn.fetchrow(
            f'SELECT ha_identity, ha_value, valid_until FROM "{table}" WHERE ha_key = $1', KEY)
        return row
    finally:
        await conn.close()


async def test_a_held_lock_is_not_taken_and_release_hands_it_over(
    nodes: list[PostgreSQLBackend],
) -> None:
    a, b = nodes[0].lock(KEY, "node-a"), nodes[1].lock(KEY, "node-b")
    lost_a = await a.acquire(asyncio.Event())
    assert lost_a is not None
    assert await a.value() == (True, "node-a")
    assert await b.value() == (True, "node-a")
    stop_b = asyncio.Event()
    contender = asyncio.create_task(b.acquire(stop_b))
    # Several leases long: the holder renews, so the contender keeps waiting.
    await asyncio.sleep(FAST.ttl * 1.5)
    assert not contender.done()
    assert not lost_a.is_set()
    await a.release()
    lost_b = await asyncio.wait_for(contender, 10)
    assert lost_b is not None and not lost_b.is_set()
    assert await a.value() == (True, "node-b")
    await b.release()
    assert await a.value() == (False, "")


async def test_stop_ends_a_waiting_acquire_with_none(nodes: list[PostgreSQLBackend]) -> None:
    await nodes[0].lock(KEY, "a").acquire(asyncio.Event())
    stop = asyncio.Event()
    waiting = asyncio.create_task(nodes[1].lock(KEY, "b").acquire(stop))
    await asyncio.sleep(FAST.retry_interval * 3)
    stop.set()
    assert await asyncio.wait_for(waiting, 10) is None


async def test_an_expired_lock_is_taken_over(
    nodes: list[PostgreSQLBackend], tables: tuple[str, str]
) -> None:
    """A holder that is alive (its session exists) but stopped renewing."""
    ghost = await asyncpg.connect(PG_URL, server_settings={"application_name": "pyvault-ha:g"})
    try:
        await ghost.execute(
            f'INSERT INTO "{tables[1]}" VALUES ($1, $2, $3, now() + interval \'1.5 seconds\')',
            KEY, "g", "ghost")
        ghost_until = (await lock_row(tables[1]))["valid_until"]  # type: ignore[index]
        assert await nodes[0].lock(KEY, "x").value() == (True, "ghost")
        lost = await asyncio.wait_for(nodes[0].lock(KEY, "node-a").acquire(asyncio.Event()), 10)
        assert lost is not None
        row = await lock_row(tables[1])
        assert row is not None and row["ha_value"] == "node-a"
        # Taken only once the ghost's lease had run out (the database's clock).
        taken_at = row["valid_until"].timestamp() - FAST.ttl
        assert taken_at > ghost_until.timestamp()
    finally:
        await ghost.close()


async def test_a_lock_whose_holder_session_is_gone_is_taken_at_once(
    nodes: list[PostgreSQLBackend], tables: tuple[str, str]
) -> None:
    ghost = await asyncpg.connect(PG_URL, server_settings={"application_name": "pyvault-ha:g"})
    await ghost.execute(
        f'INSERT INTO "{tables[1]}" VALUES ($1, $2, $3, now() + interval \'1 hour\')',
        KEY, "g", "ghost")
    contender = asyncio.create_task(nodes[0].lock(KEY, "node-a").acquire(asyncio.Event()))
    await asyncio.sleep(FAST.retry_interval * 5)
    assert not contender.done()  # the holder's session is alive
    await ghost.close()
    assert await asyncio.wait_for(contender, 10) is not None
    assert await nodes[1].lock(KEY, "x").value() == (True, "node-a")


async def test_blocked_renewal_loses_the_lock_and_fences_writes(
    nodes: list[PostgreSQLBackend], tables: tuple[str, str]
) -> None:
    """A holder whose renewals cannot get through (as a stalled node) gives up before
    its lease ends; its writes are refused and the new holder's go through."""
    a, b = nodes[0], nodes[1]
    lost_a = await a.lock(KEY, "node-a").acquire(asyncio.Event())
    assert lost_a is not None
    await a.put("data/k", b"from a")
    blocker = await raw()
    try:
        async with blocker.transaction():
            await blocker.execute(f'SELECT 1 FROM "{tables[1]}" WHERE ha_key = $1 FOR UPDATE',
                                  KEY)
            await asyncio.wait_for(lost_a.wait(), 10)
    finally:
        await blocker.close()
    with pytest.raises(PhysicalError, match="does not hold the HA lock"):
        await a.put("data/k", b"late a")
    lost_b = await asyncio.wait_for(b.lock(KEY, "node-b").acquire(asyncio.Event()), 10)
    assert lost_b is not None
    await b.put("data/k", b"from b")
    await b.transaction([("put", "data/t", b"b"), ("delete", "data/gone", None)])
    for attempt in (a.put("data/k", b"late a"), a.delete("data/k"),
                    a.transaction([("put", "data/k", b"late a")])):
        with pytest.raises(PhysicalError, match="does not hold the HA lock"):
            await attempt
    assert await b.get("data/k") == b"from b"
    assert await a.get("data/k") == b"from b"  # reads still work on a standby


async def test_a_holder_that_missed_the_take_over_is_fenced_by_the_database(
    nodes: list[PostgreSQLBackend], tables: tuple[str, str]
) -> None:
    """The node still believes it holds the lock; the lock row says otherwise."""
    a = nodes[0]
    lock = a.lock(KEY, "node-a")
    lost = await lock.acquire(asyncio.Event())
    assert lost is not None
    await a.put("data/k", b"before")
    thief = await raw()
    try:
        await thief.execute(f"UPDATE \"{tables[1]}\" SET ha_identity = 'thief', "
                            "valid_until = now() + interval '1 hour' WHERE ha_key = $1", KEY)
        assert not lost.is_set()  # nothing has told the node yet
        with pytest.raises(PhysicalError, match="does not hold the HA lock"):
            await a.put("data/k", b"stale")
        assert lost.is_set()  # the refused write told it
        for attempt in (a.delete("data/k"), a.transaction([("delete", "data/k", None)])):
            with pytest.raises(PhysicalError, match="does not hold the HA lock"):
                await attempt
        assert await a.get("data/k") == b"before"
        # The thief goes away: writes stay refused until the lock is acquired again.
        await thief.execute(f'DELETE FROM "{tables[1]}"')
        with pytest.raises(PhysicalError, match="does not hold the HA lock"):
            await a.put("data/k", b"still stale")
    finally:
        await thief.close()
    assert await a.lock(KEY, "node-a").acquire(asyncio.Event()) is not None
    await a.put("data/k", b"after")
    assert await nodes[1].get("data/k") == b"after"


async def test_release_fences_this_node_until_it_acquires_again(
    nodes: list[PostgreSQLBackend],
) -> None:
    a = nodes[0]
    lock = a.lock(KEY, "node-a")
    await lock.acquire(asyncio.Event())
    await lock.release()
    with pytest.raises(PhysicalError, match="does not hold the HA lock"):
        await a.put("k", b"v")
    assert await nodes[1].lock(KEY, "x").value() == (False, "")


async def test_a_node_that_never_held_the_lock_writes_unfenced(
    nodes: list[PostgreSQLBackend],
) -> None:
    """sys/init happens before any election."""
    await nodes[0].put("core/seal-config", b"cfg")
    await nodes[0].transaction([("put", "core/keyring", b"k"), ("delete", "x", None)])
    await nodes[0].delete("core/seal-config")
    assert await nodes[1].list("core/") == ["keyring"]




# --- another process -------------------------------------------------------------------


@contextlib.asynccontextmanager
async def holder_process(
    tables: tuple[str, str], timing: LockTiming
) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.pg_lock_holder", PG_URL, tables[0], tables[1],
        str(timing.ttl), str(timing.renew_interval), str(timing.retry_interval),
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line == b"held\n"
        yield proc
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGCONT)
                proc.kill()
            await proc.wait()


async def test_a_killed_holder_is_replaced_within_seconds(
    tables: tuple[str, str], record_property: Callable[[str, object], None]
) -> None:
    """Vault's timing (15 s lease, 1 s retry): a SIGKILLed holder's session vanishes,
    so a standby takes over long before the lease would run out."""
    vault_timing = LockTiming()
    standby = PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], ha_enabled=True,
                                max_parallel=2, lock_timing=vault_timing)
    await standby.open()
    try:
        async with holder_process(tables, vault_timing) as proc:
            contender = asyncio.create_task(standby.lock(KEY, "standby").acquire(asyncio.Event()))
            await asyncio.sleep(vault_timing.retry_interval * 2.5)  # mid-interval
            assert not contender.done()
            killed_at = time.monotonic()
            proc.kill()
            lost = await asyncio.wait_for(contender, 10)  # the bound
            took = time.monotonic() - killed_at
            record_property("takeover_seconds", f"{took:.2f}")
            print(f"take-over after SIGKILL: {took:.2f} s")
            assert lost is not None
        await standby.put("data/k", b"standby")
        assert await standby.get("data/k") == b"standby"
    finally:
        await standby.close()


async def test_a_paused_holder_that_wakes_after_a_take_over_cannot_write(
    tables: tuple[str, str],
) -> None:
    """SIGSTOP: the session stays open, so the standby waits out the lease; once the
    paused node resumes, its write is refused and the new holder's data stands."""
    standby = PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], ha_enabled=True,
                                max_parallel=2, lock_timing=FAST)
    await standby.open()
    try:
        async with holder_process(tables, FAST) as proc:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(b"put data/k paused-node\n")
            assert await asyncio.wait_for(proc.stdout.readline(), 10) == b"ok\n"
            proc.send_signal(signal.SIGSTOP)
            lost = await asyncio.wait_for(standby.lock(KEY, "standby").acquire(asyncio.Event()),
                                          30)
            assert lost is not None
            await standby.put("data/k", b"standby")
            proc.send_signal(signal.SIGCONT)
            proc.stdin.write(b"put data/k stale\n")
            assert await asyncio.wait_for(proc.stdout.readline(), 10) == b"refused\n"
        assert await standby.get("data/k") == b"standby"
    finally:
        await standby.close()
