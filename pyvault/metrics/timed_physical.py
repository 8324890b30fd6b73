"""A physical backend wrapper that times every storage operation for metrics."""

from __future__ import annotations

from collections.abc import Sequence

from pyvault.metrics.registry import Metrics
from pyvault.physical.protocol import PhysicalBackend, TxnOp
from pyvault.util.clock import Clock


class TimedPhysical:
    """Delegates to ``inner``; anything not timed (HA locks…) passes through."""

    def __init__(self, inner: PhysicalBackend, metrics: Metrics, clock: Clock) -> None:
        self._inner = inner
        self._metrics = metrics
        self._clock = clock

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def open(self) -> None:
        await self._inner.open()

    async def close(self) -> None:
        await self._inner.close()

    async def get(self, key: str) -> bytes | None:
        start = self._clock.monotonic()
        try:
            return await self._inner.get(key)
        finally:
            self._metrics.observe_storage("get", self._clock.monotonic() - start)

    async def put(self, key: str, value: bytes) -> None:
        start = self._clock.monotonic()
        try:
            await self._inner.put(key, value)
        finally:
            self._metrics.observe_storage("put", self._clock.monotonic() - start)

    async def delete(self, key: str) -> None:
        start = self._clock.monotonic()
        try:
            await self._inner.delete(key)
        finally:
            self._metrics.observe_storage("delete", self._clock.monotonic() - start)

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        start = self._clock.monotonic()
        try:
            await self._inner.transaction(ops)
        finally:
            self._metrics.observe_storage("transaction", self._clock.monotonic() - start)

    async def list(self, prefix: str) -> list[str]:
        start = self._clock.monotonic()
        try:
            return await self._inner.list(prefix)
        finally:
            self._metrics.observe_storage("list", self._clock.monotonic() - start)
