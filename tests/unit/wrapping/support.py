"""Test support: deterministic randomness."""

from __future__ import annotations

import hashlib


class SeededRandom:
    """Deterministic bytes (SHA-256 in counter mode) for repeatable tests."""

    def __init__(self, seed: bytes = b"pyvault-tests") -> None:
        self._seed = seed
        self._counter = 0

    def bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self._counter += 1
            out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        return out[:n]
