"""The background task that fires expirations on time.

It only decides *when* to call ``fire``; all the work is in ``fire`` (the
manager's ``run_due``), which tests call directly after moving a FakeClock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.expiration")

# Wake up at least this often, so a clock jump never leaves leases waiting long.
MAX_SLEEP = 60.0


class ExpiryTimer:
    def __init__(
        self,
        clock: Clock,
        next_time: Callable[[], float | None],
        fire: Callable[[], Awaitable[int]],
    ) -> None:
        self._clock = clock
        self._next_time = next_time
        self._fire = fire
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="lease-expiry")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def poke(self) -> None:
        """Something became due sooner than the timer thought: re-plan now."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._fire()
            except Exception:
                log.exception("expiration: revoking due leases failed")
            when = self._next_time()
            delay = MAX_SLEEP if when is None else min(MAX_SLEEP, when - self._clock.now())
            if delay > 0:
                await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Sleep on the injected clock, or until ``poke``."""
        if self._wake.is_set():
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self._clock.sleep(delay))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()
