"""Timestamps as integer nanoseconds, shown the way Go's RFC3339Nano prints them.

Integers keep comparisons exact (a float epoch loses the nanoseconds); the clock
is read to the microsecond, which is all a float epoch can carry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from pyvault.util.clock import Clock

NS = 1_000_000_000


def now_ns(clock: Clock) -> int:
    return round(clock.now() * 1_000_000) * 1_000


@lru_cache(maxsize=4096)  # the same few timestamps are shown on every read
def rfc3339_nano(nanos: int | None) -> str:
    """``2026-11-28T12:41:26.96918474Z``: trailing zeros trimmed, "" for no time."""
    if nanos is None:
        return ""
    seconds, fraction = divmod(nanos, NS)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{fraction:09d}".rstrip("0")
    return text + "Z"
