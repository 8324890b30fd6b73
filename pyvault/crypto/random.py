"""The one source of randomness; injected so tests can be deterministic."""

from __future__ import annotations

import os
import secrets
import string
from typing import Protocol

_BASE62 = string.ascii_letters + string.digits


class RandomSource(Protocol):
    def bytes(self, n: int) -> bytes: ...


class SystemRandom:
    """The operating system's CSPRNG."""

    def bytes(self, n: int) -> bytes:
        return os.urandom(n)


def base62(source: RandomSource, length: int) -> str:
    """``length`` uniformly random base62 characters (rejection sampling, no bias)."""
    out: list[str] = []
    while len(out) < length:
        for b in source.bytes(length * 2):
            if b < 248:  # 248 = 4 * 62: keeps the distribution uniform
                out.append(_BASE62[b % 62])
                if len(out) == length:
                    break
    return "".join(out)


def shuffled(source: RandomSource, items: list[int]) -> list[int]:
    """Fisher-Yates shuffle driven by ``source``."""
    result = list(items)
    for i in range(len(result) - 1, 0, -1):
        j = _below(source, i + 1)
        result[i], result[j] = result[j], result[i]
    return result


def _below(source: RandomSource, bound: int) -> int:
    """A uniform integer in [0, bound) for bound <= 2**16."""
    limit = 65536 - (65536 % bound)
    while True:
        value = int.from_bytes(source.bytes(2), "big")
        if value < limit:
            return value % bound


def compare(a: bytes | str, b: bytes | str) -> bool:
    """Constant-time equality for secrets."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return secrets.compare_digest(a, b)
