"""The untrusted byte store under the barrier.

Everything a physical backend holds is either ciphertext made by the barrier or the
two plaintext records the seal needs before it can open the barrier (seal config and
the wrapped root key). Backends must therefore never interpret values.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


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
