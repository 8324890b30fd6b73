"""Durations as Vault writes them: Go-style strings ("1h30m") or plain seconds.

Vault's ``parseutil.ParseDurationSecond`` reads a bare number as seconds and
anything with a unit through Go's ``time.ParseDuration``; configs, TTL fields
and CLI flags all rely on that, so one parser serves them all.
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration"]

# Seconds per unit; the Go units plus Vault's whole-days suffix ("7d").
_UNITS: dict[str, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # MICRO SIGN; Go accepts it and GREEK SMALL LETTER MU
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DAYS = re.compile(r"[+-]?\d+d")
_TERM = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_duration(value: str | int | float) -> float:
    """Return ``value`` in seconds; raise ValueError saying what is wrong.

    Accepts ints/floats (seconds), numeric strings (seconds), "Nd" (days) and
    Go durations such as "768h", "1h30m", "1.5h", "500ms", "-2m".
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"invalid duration {value!r}: expected a number or a string like '1h30m'")
    if isinstance(value, int | float):
        return _finite(float(value), value)
    text = value.strip()
    if not text:
        raise ValueError("invalid duration '': empty string")
    if _PLAIN.fullmatch(text):
        return _finite(float(text), value)
    if _DAYS.fullmatch(text):
        return float(int(text[:-1]) * 86400)
    return _parse_go(text, value)


def _parse_go(text: str, original: str) -> float:
    """Parse Go's ``[-+]?(number unit)+`` grammar."""
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if not text:
        raise ValueError(f"invalid duration {original!r}: no value after the sign")
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if match is None:
            raise ValueError(
                f"invalid duration {original!r}: expected a number followed by a unit "
                "(ns, us, ms, s, m, h), e.g. '90s' or '1h30m'"
            )
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return _finite(sign * total, original)


def _finite(seconds: float, original: object) -> float:
    if not math.isfinite(seconds):
        raise ValueError(f"invalid duration {original!r}: not a finite number")
    return seconds
