"""The PostgreSQL HA lock: one row per lock key in the ha table, with a lease.

As Vault's: the holder stores its random identity and its value (the node's
advertisement) with ``valid_until = now() + TTL`` (the database's clock, one clock for
all nodes) and renews it every few seconds; a contender retries every second and may
take the row once it has expired. Two additions:

* **Killed holders.** A holder keeps a connection of its own whose
  ``application_name`` contains its identity, and renews over it. A contender may also
  take the row when no such session exists any more: a SIGKILLed process's connection
  (and so its session) vanishes at once, so a standby takes over within about one
  retry interval instead of waiting out the lease. The check only counts when the
  contender can see its own session by name, i.e. when no connection pooler hides
  application names; otherwise only expiry frees the lock.
* **Early loss.** The holder declares the lock lost (sets the event ``acquire``
  returned, and the backend starts refusing writes) as soon as a renewal fails, finds
  the row gone or taken, cannot land before the lease would run out, or the lock
  connection closes. Fencing in the backend covers the case where this node cannot
  notice in time (a paused process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

import asyncpg

from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql import DB_ERRORS, Fence
from pyvault.physical.postgresql_sql import LOCK_APP_PREFIX

if TYPE_CHECKING:
    from pyvault.physical.postgresql import PostgreSQLBackend

log = logging.getLogger("pyvault.physical.postgresql")

RELEASE_ERRORS: tuple[type[BaseException], ...] = (*DB_ERRORS, PhysicalError)


class PostgreSQLLock:
    """One node's claim on ``key``; see the module docstring for the protocol."""

    def __init__(self, backend: PostgreSQLBackend, key: str, value: str) -> None:
        self._backend = backend
        self._key = key
        self._value = value
        self.identity = str(uuid.uuid4())
        self.application_name = LOCK_APP_PREFIX + self.identity
        self._conn: asyncpg.Connection | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._lost: asyncio.Event | None = None
        self._fence: Fence | None = None
        self._tried = False

    # --- the HALock protocol ---------------------------------------------------------

    async def acquire(self, stop: asyncio.Event) -> asyncio.Event | None:
        """Retry taking the row until we hold it (→ the "lost" event) or ``stop``."""
        if self._lost is not None and not self._lost.is_set():
            return self._lost
        timing = self._backend.lock_timing
        loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                started = loop.time()
                if await self._try_take():
                    return self._hold(started + timing.ttl)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timing.retry_interval)
        except BaseException:
            self._drop_connection()
            raise
        self._drop_connection()
        return None

    async def release(self) -> None:
        """Stop renewing and delete our row (only if it is still ours)."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        self._retire_fence()
        if self._tried:
            try:
                await self._backend.pool.execute(self._backend.sql.lock_delete, self._key,
                                                 self.identity)
            except RELEASE_ERRORS as exc:
                # Our session ends below; contenders then see it gone and take over.
                log.warning("ha: could not delete the lock row on release: %s", exc)
        self._drop_connection()
        self._backend.held_locks.discard(self)

    async def value(self) -> tuple[bool, str]:
        """(whether an unexpired holder exists, the value it stored)."""
        try:
            row = await self._backend.pool.fetchrow(self._backend.sql.lock_value, self._key)
        except DB_ERRORS as exc:
            raise PhysicalError(f"postgresql storage: reading the HA lock failed: {exc}") from exc
        if row is None:
            return False, ""
        return True, row[0] or ""

    # --- internals -------------------------------------------------------------------

    async def _try_take(self) -> bool:
        """One attempt: the atomic upsert that succeeds only if the lock is free."""
        self._tried = True
        timing = self._backend.lock_timing
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._backend.connect_lock(self.application_name)
            got = await self._conn.fetchval(
                self._backend.sql.lock_take, self._key, self.identity, self._value,
                timing.ttl, LOCK_APP_PREFIX)
        except DB_ERRORS as exc:
            log.warning("ha: trying to take the lock failed (will retry): %s", exc)
            self._drop_connection()
            return False
        return got is not None

    def _hold(self, deadline: float) -> asyncio.Event:
        assert self._conn is not None
        lost = asyncio.Event()
        self._lost = lost
        self._fence = Fence(self._key, self.identity, owner=self)
        self._backend.fence = self._fence
        self._backend.held_locks.add(self)
        self._conn.add_termination_listener(self._connection_closed)
        self._renewer = asyncio.create_task(self._renew(self._conn, deadline),
                                            name="ha-lock-renewal")
        return lost

    async def _renew(self, conn: asyncpg.Connection, deadline: float) -> None:
        """Renew every interval; give up (lost) rather than let the lease lapse."""
        timing = self._backend.lock_timing
        margin = min(1.0, timing.ttl / 10)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(timing.renew_interval)
            started = loop.time()
            budget = deadline - margin - started
            if budget <= 0:
                self.lose("the lease would expire before a renewal could land")
                return
            try:
                renewed = await asyncio.wait_for(
                    conn.fetchval(self._backend.sql.lock_renew, self._key, self.identity,
                                  timing.ttl), budget)
            except TimeoutError:
                self.lose("renewal did not finish before the lease would expire")
                return
            except DB_ERRORS as exc:
                self.lose(f"renewal failed: {exc}")
                return
            if renewed is None:
                self.lose("the lock row is gone or held by another node")
                return
            deadline = started + timing.ttl  # the database's now() came after `started`

    def lose(self, reason: str) -> None:
        """The lock is no longer ours: refuse writes, tell the caller, end our session."""
        lost = self._lost
        if lost is None or lost.is_set():
            return
        log.warning("ha: lost the HA lock: %s", reason)
        if self._fence is not None:
            self._fence.lost = True
        lost.set()
        if self._renewer is not None and self._renewer is not asyncio.current_task():
            self._renewer.cancel()
        self._drop_connection()
        self._backend.held_locks.discard(self)

    def abandon(self) -> None:
        """The backend is closing: stop renewing and end our session (no round trip)."""
        self._stop_renewing()
        self._retire_fence()
        self._drop_connection()
        self._backend.held_locks.discard(self)

    def _connection_closed(self, _conn: asyncpg.Connection) -> None:
        self.lose("the lock connection closed")

    def _stop_renewing(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    def _retire_fence(self) -> None:
        """Releasing is losing on purpose: this node's writes are refused from now on."""
        if self._fence is not None:
            self._fence.lost = True
        self._lost = None

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.remove_termination_listener(self._connection_closed)
            conn.terminate()
