"""Salted HMAC-SHA256 of audit values, as Vault's ``salt.GetIdentifiedHMAC``.

Each device has its own 32-byte salt kept behind the barrier, so a hash found in
one device's log cannot be correlated with another device's, and nobody without
the barrier can brute-force short secrets from the log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

HMAC_PREFIX = "hmac-sha256:"


class Salt:
    """One device's HMAC key. The key never leaves this object (no repr)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Salt(<hidden>)"

    def hmac(self, value: str) -> str:
        digest = hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()
        return HMAC_PREFIX + digest

    def matches(self, value: str, hashed: str) -> bool:
        """Constant-time check that ``hashed`` is this salt's HMAC of ``value``."""
        return hmac.compare_digest(self.hmac(value).encode(), hashed.encode())


Hasher = Callable[[str], str]


def hash_structure(value: Any, hasher: Hasher) -> Any:
    """Every string inside maps and lists replaced by its HMAC; numbers, booleans
    and nulls are kept, as Vault's ``HashStructure`` (they are not secret-shaped)."""
    if isinstance(value, str):
        return hasher(value)
    if isinstance(value, dict):
        return {str(k): hash_structure(v, hasher) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [hash_structure(v, hasher) for v in value]
    if isinstance(value, bytes):
        return hasher(value.decode("utf-8", "replace"))
    return value


def identity(value: str) -> str:
    """The hasher of a ``log_raw`` device."""
    return value
