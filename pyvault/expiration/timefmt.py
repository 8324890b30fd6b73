"""Times the way Vault's JSON shows them (Go's ``time.Time`` marshalling)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)  # token lookups format the same few timestamps again and again
def rfc3339_nano(timestamp: float) -> str:
    """RFC 3339 with the fraction trimmed of trailing zeros, as Go's RFC3339Nano.

    Whole seconds print without a fraction (``2026-11-28T13:27:54Z``), which is
    what Vault shows for batch tokens.
    """
    moment = datetime.fromtimestamp(timestamp, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def rfc3339_or_none(timestamp: float) -> str | None:
    """``None`` for the zero time (Vault's ``null``)."""
    return rfc3339_nano(timestamp) if timestamp else None
