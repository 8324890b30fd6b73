"""The storage a backend sees: decrypted, and scoped to its own prefix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyvault.physical.protocol import TxnOp


class Storage(Protocol):
    """Key/value storage with one-level listing (same contract as physical)."""

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, prefix: str) -> list[str]: ...


async def transaction(storage: Storage, ops: Sequence[TxnOp]) -> None:
    """Apply ``ops`` in one durable commit when ``storage`` can (the barrier, views of
    it); a plain storage (test doubles) gets them one by one, in order."""
    apply = getattr(storage, "transaction", None)  # cheaper than a Protocol isinstance
    if apply is not None:
        await apply(ops)
        return
    for op, key, value in ops:
        if op == "put":
            if value is None:
                raise ValueError(f"transaction: put {key!r} without a value")
            await storage.put(key, value)
        else:
            await storage.delete(key)


class StorageView:
    """A chroot into ``storage`` under ``prefix``: backends can't see outside it."""

    __slots__ = ("_prefix", "_storage")

    def __init__(self, storage: Storage, prefix: str) -> None:
        self._storage = storage
        self._prefix = prefix

    @property
    def prefix(self) -> str:
        return self._prefix

    def _key(self, key: str) -> str:
        if ".." in key.split("/"):
            raise ValueError("relative paths are not supported")
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        return await self._storage.get(self._key(key))

    async def put(self, key: str, value: bytes) -> None:
        await self._storage.put(self._key(key), value)

    async def delete(self, key: str) -> None:
        await self._storage.delete(self._key(key))

    async def list(self, prefix: str) -> list[str]:
        return await self._storage.list(self._key(prefix))

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        """The ops under this view's prefix, as one transaction of the storage below."""
        await transaction(self._storage, [(op, self._key(key), value) for op, key, value in ops])

    def sub_view(self, prefix: str) -> StorageView:
        return StorageView(self._storage, self._key(prefix))


async def collect_keys(storage: Storage, prefix: str = "") -> list[str]:
    """Every key below ``prefix``, depth first (used to clear a mount's data)."""
    found: list[str] = []
    for child in await storage.list(prefix):
        if child.endswith("/"):
            found.extend(await collect_keys(storage, prefix + child))
        else:
            found.append(prefix + child)
    return found
