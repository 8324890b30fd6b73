"""The untrusted byte store under the barrier.

Everything a physical backend holds is either ciphertext made by the barrier or the
two plaintext records the seal needs before it can open the barrier (seal config and
the wrapped root key). Backends must therefore never interpret values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

# One step of an atomic batch: ("put", key, value) or ("delete", key, None).
TxnOp = tuple[Literal["put", "delete"], str, bytes | None]


@runtime_checkable
class PhysicalBackend(Protocol):
    """Key/value store with Vault's one-level list semantics.

    Keys are ``/``-separated strings; values are opaque bytes. ``put`` and ``delete``
    return only once the change is durable (fsynced): the HTTP layer answers 2xx on
    that promise.
    """

    async def open(self) -> None:
        """Open connections, create schema. Called once before any other method."""
        ...

    async def close(self) -> None:
        """Flush pending writes and release resources; idempotent."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or None."""
        ...

    async def put(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key`` durably, replacing any previous value."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is not an error."""
        ...

    async def list(self, prefix: str) -> list[str]:
        """Direct children of ``prefix``, sorted: ``list("a/")`` → ``["b", "c/"]``.

        A child that has descendants appears once, with a trailing ``/``; a key
        that is both a leaf and a folder appears twice (``"c"`` and ``"c/"``).
        """
        ...

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        """Apply every put/delete in ``ops`` atomically and durably, in order.

        Either all of them are visible afterwards or (on error) none; one durable
        commit for the whole batch, so e.g. a KV v2 version and its metadata land
        together.
        """
        ...


@runtime_checkable
class HALock(Protocol):
    """One node's claim on the active role, as Vault's ``physical.Lock``."""

    async def acquire(self, stop: asyncio.Event) -> asyncio.Event | None:
        """Block until this node holds the lock, or ``stop`` is set (→ None).

        Returns an event that is set the moment the lock is lost (renewal failed or
        another node took it); from then on the backend refuses writes (fencing).
        """
        ...

    async def release(self) -> None:
        """Give the lock up at once so a standby can take over without waiting."""
        ...

    async def value(self) -> tuple[bool, str]:
        """(whether any node holds the lock, the value the holder stored)."""
        ...


@runtime_checkable
class HABackend(Protocol):
    """A physical backend that can elect one active node (``ha_enabled``)."""

    @property
    def ha_enabled(self) -> bool:
        ...

    def lock(self, key: str, value: str) -> HALock:
        """A lock on ``key``; ``value`` (the node's advertisement) is stored with it."""
        ...
