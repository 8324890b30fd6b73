"""max_request_duration without a timer per request.

``asyncio.timeout`` schedules (and cancels) a loop timer for every request, which
profiling showed as a few per cent of a cheap request. Requests here only note their
deadline in a dict; one periodic sweep, running only while requests are in flight,
cancels the ones past it, and ``run`` turns that cancellation into ``TimeoutError``
as ``asyncio.timeout`` would. A request may overrun its limit by up to one tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
MAX_TICK = 1.0


class Deadlines:
    """Deadlines of the requests of one listener (``limit`` seconds each)."""

    def __init__(self, limit: float) -> None:
        self._limit = limit
        self._tick = min(MAX_TICK, limit / 10)
        self._running: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._sweep_handle: asyncio.TimerHandle | None = None

    async def run(self, work: Awaitable[T]) -> T:
        """Await ``work``; raise TimeoutError if it outlives the limit."""
        task = asyncio.current_task()
        if task is None:  # not in a task: nothing to cancel, no limit to keep
            return await work
        loop = asyncio.get_running_loop()
        self._running[task] = loop.time() + self._limit
        if self._sweep_handle is None:
            self._sweep_handle = loop.call_later(self._tick, self._sweep, loop)
        cancelling = task.cancelling()
        try:
            return await work
        except asyncio.CancelledError:
            if task in self._expired and task.uncancel() <= cancelling:
                raise TimeoutError from None
            raise
        finally:
            del self._running[task]
            if self._expired:
                self._expired.discard(task)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task, deadline in self._running.items():
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        self._sweep_handle = (loop.call_later(self._tick, self._sweep, loop)
                              if self._running else None)
