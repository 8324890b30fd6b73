"""A dict-backed store for ``-dev`` servers and tests; nothing survives a restart."""

from __future__ import annotations

import bisect
import builtins
from collections.abc import Sequence

from pyvault.physical.errors import PhysicalError
from pyvault.physical.protocol import TxnOp

_FEW = 64  # up to this many pending changes are applied one by one


class InmemBackend:
    """``PhysicalBackend`` over a dict, plus a sorted key list so ``list`` need not scan.

    No method yields to the event loop, so every operation is atomic to concurrent
    callers, as it would be with a real store.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        # The sorted key list ``list`` walks is brought up to date lazily: keeping it
        # sorted on every put (insort) moved the whole list each time, which profiling
        # showed growing to the top of a write load. Between lists, new keys wait in
        # ``_added`` and deleted ones in ``_removed``; the next list merges them.
        self._keys: builtins.list[str] = []  # sorted, as of the last merge
        self._added: set[str] = set()  # in _data, not yet in _keys
        self._removed: set[str] = set()  # still in _keys, gone from _data

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
            if key in self._removed:
                self._removed.discard(key)  # never left _keys
            else:
                self._added.add(key)
        self._data[key] = bytes(value)

    async def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        if self._data.pop(key, None) is not None:
            if key in self._added:
                self._added.discard(key)
            else:
                self._removed.add(key)

    def all_keys(self) -> builtins.list[str]:
        """Every key, sorted (for tests that check what a backend left behind)."""
        return builtins.list(self._sorted_keys())

    def _sorted_keys(self) -> builtins.list[str]:
        """Every key in order: the last merge's list with the changes since applied,
        one by one if they are few, else by one filter and one (run-merging) sort."""
        keys = self._keys
        if self._removed:
            if len(self._removed) <= _FEW:
                for key in self._removed:
                    del keys[bisect.bisect_left(keys, key)]
            else:
                removed = self._removed
                keys = self._keys = [key for key in keys if key not in removed]
            self._removed = set()
        if self._added:
            if len(self._added) <= _FEW:
                for key in self._added:
                    bisect.insort(keys, key)
            else:
                keys += sorted(self._added)
                keys.sort()
            self._added = set()
        return keys

    async def list(self, prefix: str) -> builtins.list[str]:
        """Direct children of ``prefix``: walk the sorted keys that start with it."""
        children: dict[str, None] = {}  # insertion-ordered; key order is child order
        start = len(prefix)
        keys = self._sorted_keys()
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

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        """Check every op first, then apply them without yielding: all or nothing."""
        for op, key, value in ops:
            if op not in ("put", "delete"):
                raise PhysicalError(f"inmem storage: unknown transaction op {op!r}")
            if op == "put" and value is None:
                raise PhysicalError(f"inmem storage: put {key!r} without a value")
        for op, key, value in ops:
            if op == "put":
                assert value is not None
                await self.put(key, value)
            else:
                await self.delete(key)
