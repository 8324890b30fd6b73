"""An in-memory store with an HA lock, for tests of the active/standby core.

Several ``Core`` objects in one process share one ``InmemHABackend`` the way several
nodes share one database. The lock has a lease like the PostgreSQL one: the holder
renews it, and a holder that stops renewing (a paused node) loses it once the lease
runs out; from then on its writes are refused (fencing), so a node that wakes up
after a take-over cannot overwrite what the new active node wrote.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pyvault.physical.errors import PhysicalError
from pyvault.physical.inmem import InmemBackend
from pyvault.physical.protocol import TxnOp


@dataclass(slots=True)
class _Holder:
    identity: int
    value: str
    valid_until: float


class InmemHABackend:
    """Shared data plus a lock table; ``node()`` gives each Core its own handle."""

    def __init__(self, *, lease: float = 1.0, renew_interval: float = 0.2,
                 retry_interval: float = 0.05) -> None:
        self.data = InmemBackend()
        self.lease = lease
        self.renew_interval = renew_interval
        self.retry_interval = retry_interval
        self.locks: dict[str, _Holder] = {}
        self._next_identity = 0

    def node(self) -> InmemHANode:
        return InmemHANode(self)

    def new_identity(self) -> int:
        self._next_identity += 1
        return self._next_identity

    def holder(self, key: str) -> _Holder | None:
        holder = self.locks.get(key)
        if holder is not None and holder.valid_until < time.monotonic():
            return None
        return holder


class InmemHANode:
    """One node's view: the shared data, fenced by the locks this node took."""

    ha_enabled = True

    def __init__(self, shared: InmemHABackend) -> None:
        self.shared = shared
        self.fenced_by: tuple[str, int] | None = None  # (lock key, identity) once held
        self.paused = False  # a test sets this to stop renewals (a SIGSTOPped node)

    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close."""

    def _check_fence(self) -> None:
        if self.fenced_by is None:
            return
        key, identity = self.fenced_by
        holder = self.shared.holder(key)
        if holder is None or holder.identity != identity:
            raise PhysicalError("this node no longer holds the HA lock; write refused")

    async def get(self, key: str) -> bytes | None:
        return await self.shared.data.get(key)

    async def put(self, key: str, value: bytes) -> None:
        self._check_fence()
        await self.shared.data.put(key, value)

    async def delete(self, key: str) -> None:
        self._check_fence()
        await self.shared.data.delete(key)

    async def list(self, prefix: str) -> builtins.list[str]:
        return await self.shared.data.list(prefix)

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        self._check_fence()
        await self.shared.data.transaction(ops)

    def lock(self, key: str, value: str) -> InmemHALock:
        return InmemHALock(self, key, value)


class InmemHALock:
    """Vault's lock contract over the shared table: acquire, renew, lose, release."""

    def __init__(self, node: InmemHANode, key: str, value: str) -> None:
        self._node = node
        self._key = key
        self._value = value
        self._identity = node.shared.new_identity()
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self, stop: asyncio.Event) -> asyncio.Event | None:
        shared = self._node.shared
        while not stop.is_set():
            holder = shared.holder(self._key)
            if not self._node.paused and (holder is None or holder.identity == self._identity):
                shared.locks[self._key] = _Holder(
                    self._identity, self._value, time.monotonic() + shared.lease)
                self._node.fenced_by = (self._key, self._identity)
                lost = asyncio.Event()
                self._renewer = asyncio.create_task(self._renew(lost))
                return lost
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), shared.retry_interval)
        return None

    async def _renew(self, lost: asyncio.Event) -> None:
        shared = self._node.shared
        while True:
            await asyncio.sleep(shared.renew_interval)
            holder = shared.holder(self._key)
            if holder is None or holder.identity != self._identity:
                lost.set()
                return
            if not self._node.paused:
                holder.valid_until = time.monotonic() + shared.lease

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        holder = self._node.shared.locks.get(self._key)
        if holder is not None and holder.identity == self._identity:
            del self._node.shared.locks[self._key]

    async def value(self) -> tuple[bool, str]:
        holder = self._node.shared.holder(self._key)
        return (True, holder.value) if holder is not None else (False, "")
