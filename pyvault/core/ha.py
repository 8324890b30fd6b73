"""Active/standby election over the storage's HA lock, as Vault's HA mode.

Every unsealed node runs one election task. The node holding the lock is active: it
loads mounts, policies, tokens and leases and serves requests. The others stand by:
their barrier is open (so they can take over without operators) but nothing behind it
is loaded or cached, and the HTTP layer forwards their clients to the active node.

Losing the lock (renewal failed, a paused node woke up after a take-over) makes the
node drop everything it loaded at once; the storage backend has already begun
refusing its writes (fencing), so a stale active node cannot corrupt data.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pyvault.logical.errors import VaultError
from pyvault.physical.protocol import HABackend, HALock
from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.core.ha")

LOCK_KEY = "core/lock"
# After sys/step-down the node waits this long before contending again, so another
# node takes the role (Vault waits 10 s too).
STEP_DOWN_WAIT = 10.0
# A standby that has not echoed for this long is dropped from sys/ha-status.
ECHO_FORGET_AFTER = 30.0


class StandbyNode(VaultError):
    """A request reached a standby's core; the HTTP layer forwards or redirects
    before that, so this only fires in the moment a node changes role."""

    status = 503

    def __init__(self) -> None:
        super().__init__("node is in standby mode; retry against the active node")


@dataclass(frozen=True, slots=True)
class Advertisement:
    """What the active node publishes in the lock's value."""

    api_addr: str
    cluster_addr: str

    def encode(self) -> str:
        return json.dumps({"api_addr": self.api_addr, "cluster_addr": self.cluster_addr})

    @classmethod
    def decode(cls, value: str) -> Advertisement:
        try:
            raw = json.loads(value)
            return cls(str(raw.get("api_addr", "")), str(raw.get("cluster_addr", "")))
        except (ValueError, AttributeError):
            return cls("", "")


@dataclass(frozen=True, slots=True)
class Leader:
    """sys/leader's facts: who is active, and whether that is this node."""

    is_self: bool
    held: bool
    api_addr: str
    cluster_addr: str
    active_since: float | None


@dataclass(slots=True)
class NodeEcho:
    """A standby's last heartbeat, for sys/ha-status on the active node."""

    hostname: str
    api_addr: str
    cluster_addr: str
    version: str
    last_echo: float


class HAManager:
    """Runs the election while unsealed; the core supplies the two transitions."""

    def __init__(
        self,
        backend: HABackend,
        advertisement: Advertisement,
        clock: Clock,
        *,
        become_active: Callable[[], Awaitable[None]],
        become_standby: Callable[[], Awaitable[None]],
        step_down_wait: float = STEP_DOWN_WAIT,
    ) -> None:
        self._backend = backend
        self.advertisement = advertisement
        self._clock = clock
        self._become_active = become_active
        self._become_standby = become_standby
        self._step_down_wait = step_down_wait
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._step_down = asyncio.Event()
        self._lock: HALock | None = None
        self.active = False
        self.active_since: float | None = None
        self.echoes: dict[str, NodeEcho] = {}
        self.hostname = socket.gethostname()
        self._leader_cache: tuple[float, Leader] | None = None
        self.transitions = 0  # bumped on every change of role; tests wait on it

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Begin contending for the lock (after unseal)."""
        if self._task is not None:
            return
        self._stop = asyncio.Event()
        # A fresh context: the election outlives the unseal request that started it,
        # and must not log that request's id forever.
        self._task = asyncio.create_task(self._run(), name="ha-election",
                                         context=contextvars.Context())

    async def stop(self) -> None:
        """Seal or shutdown: give the role up at once so a standby takes over."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self.active:
            await self._demote()
        if self._lock is not None:
            with contextlib.suppress(Exception):
                await self._lock.release()
            self._lock = None

    def request_step_down(self) -> None:
        """sys/step-down on the active node."""
        if self.active:
            self._step_down.set()

    async def _run(self) -> None:
        while not self._stop.is_set():
            self._lock = self._backend.lock(LOCK_KEY, self.advertisement.encode())
            try:
                lost = await self._lock.acquire(self._stop)
            except Exception:
                log.exception("ha: error acquiring the lock; retrying")
                await self._pause(1.0)
                continue
            if lost is None:
                return
            if not await self._promote(lost):
                continue
            self._step_down.clear()
            stepping = asyncio.ensure_future(self._step_down.wait())
            losing = asyncio.ensure_future(lost.wait())
            stopping = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({stepping, losing, stopping},
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in (stepping, losing, stopping):
                    waiter.cancel()
            if self._stop.is_set():
                return
            if lost.is_set():
                log.warning("ha: lost the HA lock; stepping down to standby")
            else:
                log.info("ha: stepping down on request")
            await self._demote()
            with contextlib.suppress(Exception):
                await self._lock.release()
            self._lock = None
            if not lost.is_set():
                await self._pause(self._step_down_wait)

    async def _promote(self, lost: asyncio.Event) -> bool:
        try:
            await self._become_active()
        except Exception:
            log.exception("ha: could not become active; releasing the lock")
            with contextlib.suppress(Exception):
                await self._become_standby()
            if self._lock is not None:
                with contextlib.suppress(Exception):
                    await self._lock.release()
            await self._pause(1.0)
            return False
        if lost.is_set():
            await self._become_standby()
            return False
        self.active = True
        self.active_since = self._clock.now()
        self.echoes.clear()
        self.transitions += 1
        log.info("ha: this node is now active")
        return True

    async def _demote(self) -> None:
        self.active = False
        self.active_since = None
        self.transitions += 1
        await self._become_standby()
        log.info("ha: this node is now standby")

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def leader(self) -> Leader:
        """Who is active. Standbys read the lock (cached for a moment: sys/leader and
        forwarding may ask on every request)."""
        if self.active:
            return Leader(True, True, self.advertisement.api_addr,
                          self.advertisement.cluster_addr, self.active_since)
        now = time.monotonic()  # real time even under a test's fake clock
        if self._leader_cache is not None and now - self._leader_cache[0] < 0.5:
            return self._leader_cache[1]
        lock = self._lock or self._backend.lock(LOCK_KEY, self.advertisement.encode())
        try:
            held, value = await lock.value()
        except Exception:
            log.warning("ha: could not read the HA lock")
            held, value = False, ""
        ad = Advertisement.decode(value) if held else Advertisement("", "")
        leader = Leader(False, held, ad.api_addr, ad.cluster_addr, None)
        self._leader_cache = (now, leader)
        return leader

    def forget_leader(self) -> None:
        """The cached leader did not answer: read the lock afresh next time."""
        self._leader_cache = None

    def record_echo(self, echo: NodeEcho) -> None:
        self.echoes[echo.api_addr] = echo

    def live_echoes(self) -> list[NodeEcho]:
        now = self._clock.now()
        for key in [k for k, e in self.echoes.items() if now - e.last_echo > ECHO_FORGET_AFTER]:
            del self.echoes[key]
        return sorted(self.echoes.values(), key=lambda echo: echo.api_addr)
