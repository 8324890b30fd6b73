"""Writes to one key reach the database in the order they were called.

The PostgreSQL backend sends writes over a pool of connections, so two concurrent
writes to one key could otherwise commit in either order. Each write takes a turn on
every key it touches: it waits for the previous write to those keys (registered at
call time, before any await) and lets the next one go when it is done. Writes to
different keys still run in parallel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager


class WriteOrder:
    """Per-key FIFO of writes, as a chain of futures (one per write)."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    @asynccontextmanager
    async def turn(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Wait until every earlier write to any of ``keys`` has finished."""
        wanted = list(dict.fromkeys(keys))
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        before = list({id(f): f for k in wanted if (f := self._tails.get(k)) is not None}
                      .values())
        for key in wanted:
            self._tails[key] = mine
        mine.add_done_callback(lambda done: self._forget(wanted, done))
        try:
            for earlier in before:
                if not earlier.done():
                    # shield: being cancelled must not cancel an earlier write's turn
                    await asyncio.shield(earlier)
            yield
        finally:
            # A write cancelled while waiting still ends only after its predecessors,
            # so the writes queued behind it keep their order.
            pending = [f for f in before if not f.done()]
            if pending:
                asyncio.gather(*pending).add_done_callback(lambda _: _finish(mine))
            else:
                _finish(mine)

    def _forget(self, keys: list[str], done: asyncio.Future[None]) -> None:
        for key in keys:
            if self._tails.get(key) is done:
                del self._tails[key]


def _finish(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
