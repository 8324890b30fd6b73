"""A dict-backed store for ``-dev`` servers and tests; nothing survives a restart."""

from __future__ import annotations

import bisect
import builtins


class InmemBackend:
    """``PhysicalBackend`` over a dict, plus a sorted key list so ``list`` need not scan.

    No method yields to the event loop, so every operation is atomic to concurrent
    callers, as it would be with a real store.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._keys: builtins.list[str] = []  # sorted, same order as the sqlite index

    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to flush; the data stays, as with Vault's inmem backend."""

    async def get(self, key: str) -> bytes | None:
        """The value under ``key``, or None."""
        return self._data.get(key)

    async def put(self, key: str, value: bytes) -> None:
        """Store a copy, so a caller mutating a bytearray cannot change what we hold."""
        if key not in self._data:
            bisect.insort(self._keys, key)
        self._data[key] = bytes(value)

    async def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        if self._data.pop(key, None) is not None:
            del self._keys[bisect.bisect_left(self._keys, key)]

    async def list(self, prefix: str) -> builtins.list[str]:
        """Direct children of ``prefix``: walk the sorted keys that start with it."""
        children: dict[str, None] = {}  # insertion-ordered; key order is child order
        start = len(prefix)
        keys = self._keys
        index = bisect.bisect_left(keys, prefix)
        # Walk by index (no slice copy: a list costs its children, not the whole store),
        # jumping over each folder's descendants once the folder is seen.
        while index < len(keys):
            key = keys[index]
            if not key.startswith(prefix):
                break
            slash = key.find("/", start)
            if slash < 0:
                children[key[start:]] = None
                index += 1
            else:
                folder = key[: slash + 1]
                children[folder[start:]] = None
                index = bisect.bisect_left(keys, folder[:-1] + chr(ord("/") + 1), index)
        return sorted(children)
