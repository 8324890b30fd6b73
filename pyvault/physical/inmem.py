"""In-memory physical storage (dev mode and tests)."""

from __future__ import annotations

import bisect


class InmemBackend:
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._keys: list[str] = []

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    async def put(self, key: str, value: bytes) -> None:
        if key not in self._data:
            bisect.insort(self._keys, key)
        self._data[key] = bytes(value)

    async def delete(self, key: str) -> None:
        if self._data.pop(key, None) is not None:
            self._keys.pop(bisect.bisect_left(self._keys, key))

    async def list(self, prefix: str) -> list[str]:
        children: list[str] = []
        start = bisect.bisect_left(self._keys, prefix)
        for key in self._keys[start:]:
            if not key.startswith(prefix):
                break
            rest = key[len(prefix):]
            slash = rest.find("/")
            child = rest if slash < 0 else rest[: slash + 1]
            if child not in children:
                children.append(child)
        return sorted(children)
