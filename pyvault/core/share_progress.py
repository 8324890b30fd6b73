"""Collecting key shares for a ceremony step (rekey, verification, root generation).

Shares live only in this object, in memory: a restart loses the progress and
nothing else. Every comparison of a secret (share or nonce) is constant-time, and
no message ever quotes a share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyvault.core.ceremony import MAX_KEY_LENGTH, MIN_KEY_LENGTH, decode_key
from pyvault.core.shamir_seal import ShamirSeal
from pyvault.crypto.random import RandomSource, compare
from pyvault.crypto.shamir import ShamirError
from pyvault.logical.errors import InvalidRequest
from pyvault.util.ids import new_uuid

DUPLICATE_SHARE = "given key has already been provided during this generation operation"
# Vault (≥ 1.17.18, CVE-2025-4656) lets anyone cancel without the nonce only once an
# attempt is this old, so a forgotten attempt can still be cleared.
CANCEL_WITHOUT_NONCE_AFTER = 600.0


def decode_share(text: str) -> bytes:
    """The share of a ceremony request: present, hex or base64, plausibly long.

    The length messages lack unseal's "invalid key: " prefix, as Vault's do here.
    """
    if not text:
        raise InvalidRequest("'key' must be specified in request body as JSON")
    key = decode_key(text)
    if len(key) < MIN_KEY_LENGTH:
        raise InvalidRequest(f"key is shorter than minimum {MIN_KEY_LENGTH} bytes")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"key is longer than maximum {MAX_KEY_LENGTH} bytes")
    return key


def nonce_matches(expected: str, given: str) -> bool:
    return bool(given) and compare(expected, given)


@dataclass(slots=True)
class ShareProgress:
    """The shares handed in so far for one attempt, identified by its nonce."""

    nonce: str
    started_at: float
    parts: list[bytes] = field(default_factory=list, repr=False)

    @classmethod
    def start(cls, random: RandomSource, now: float) -> ShareProgress:
        return cls(nonce=new_uuid(random), started_at=now)

    def add(self, key: bytes) -> None:
        if any(compare(part, key) for part in self.parts):
            raise InvalidRequest(DUPLICATE_SHARE)
        self.parts.append(key)

    def take(self) -> list[bytes]:
        """Hand over the collected shares and forget them here."""
        parts, self.parts = self.parts, []
        return parts

    def may_cancel(self, nonce: str, now: float) -> bool:
        if nonce:
            return compare(self.nonce, nonce)
        return now - self.started_at >= CANCEL_WITHOUT_NONCE_AFTER


def combine_shares(parts: list[bytes], what: str) -> bytes:
    """Rebuild a key from shares; ``what`` names it in Vault's error text."""
    try:
        return ShamirSeal.combine(parts)
    except ShamirError as exc:
        raise InvalidRequest(f"failed to compute {what}: {exc}") from None


def cancel_refused(what: str) -> str:
    """Vault's docs require the nonce; they do not quote the refusal, so this is ours."""
    return (
        f"a nonce is required to cancel a {what} operation started less than 10 minutes "
        "ago; provide the nonce from the attempt's status"
    )
