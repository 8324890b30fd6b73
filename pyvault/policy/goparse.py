"""Go's number, duration and time parsing, with Go's error texts.

Vault parses policy values with ``strconv.ParseInt``, ``time.ParseDuration``
and ``parseutil``; their messages reach API clients verbatim.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone

from pyvault.policy.hcl.quote import go_quote

__all__ = [
    "GoParseError",
    "parse_absolute_time",
    "parse_duration",
    "parse_duration_second",
    "parse_int",
]

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)
NANOS_PER_SECOND = 1_000_000_000


class GoParseError(Exception):
    """A value Go's parsers reject; ``str()`` is Go's message."""


def parse_int(text: str, base: int = 0) -> int:
    """``strconv.ParseInt(text, base, 64)`` for base 0 (prefix-detected) or 10."""
    syntax = GoParseError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    body = text
    sign = 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    radix = 10
    if base == 0:
        lowered = body[:2].lower()
        if lowered in ("0x", "0o", "0b"):
            radix = {"0x": 16, "0o": 8, "0b": 2}[lowered]
            body = body[2:]
        elif len(body) > 1 and body[0] == "0":
            radix = 8
            body = body[1:]
        if "_" in body:
            if radix == 10 or not _underscores_ok(body):
                raise syntax
            body = body.replace("_", "")
    if not body:
        raise syntax
    digits = "0123456789abcdef"[:radix]
    if any(ch.lower() not in digits for ch in body):
        raise syntax
    value = sign * int(body, radix)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise GoParseError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _underscores_ok(body: str) -> bool:
    return not body.startswith("_") and not body.endswith("_") and "__" not in body


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": NANOS_PER_SECOND,
    "m": 60 * NANOS_PER_SECOND,
    "h": 3600 * NANOS_PER_SECOND,
}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_duration(text: str) -> int:
    """``time.ParseDuration``: nanoseconds."""
    invalid = GoParseError(f'time: invalid duration "{text}"')
    rest = text
    negative = False
    if rest[:1] in ("+", "-"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            raise invalid
        match = _DURATION_PART.match(rest)
        if match is None:  # pragma: no cover - the pattern matches any string
            raise invalid
        whole, fraction, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not fraction:
            raise invalid
        if not unit:
            raise GoParseError(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            raise GoParseError(f'time: unknown unit "{unit}" in duration "{text}"')
        scale = _UNITS[unit]
        value = int(whole or "0") * scale
        if fraction:
            value += int(int(fraction) * scale / 10 ** len(fraction))
        total += value
        if total > _INT64_MAX + (1 if negative else 0):
            raise invalid
        rest = rest[match.end() :]
    return -total if negative else total


def parse_duration_second(value: object) -> int:
    """``parseutil.ParseDurationSecond``: bare numbers are seconds. Returns nanoseconds."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise GoParseError("could not parse duration from input")
    if isinstance(value, int):
        return value * NANOS_PER_SECOND
    if isinstance(value, float):
        return math.trunc(value) * NANOS_PER_SECOND
    if not isinstance(value, str):
        raise GoParseError("could not parse duration from input")
    if value == "":
        return 0
    try:
        return parse_int(value, 10) * NANOS_PER_SECOND
    except GoParseError:
        pass
    if value.endswith("d"):
        return parse_int(value[:-1], 10) * 24 * 3600 * NANOS_PER_SECOND
    return parse_duration(value)


_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def parse_absolute_time(value: str) -> datetime:
    """``parseutil.ParseAbsoluteTime`` for strings: RFC 3339 or Unix seconds."""
    match = _RFC3339.fullmatch(value)
    if match is not None:
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        micros = int((match.group(7) or "0")[:6].ljust(6, "0"))
        zone = match.group(8)
        if zone == "Z":
            tz = UTC
        else:
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            tz = timezone(-offset if zone[0] == "-" else offset)
        try:
            return datetime(year, month, day, hour, minute, second, micros, tzinfo=tz)
        except ValueError as exc:
            raise GoParseError("could not parse string as date and time") from exc
    try:
        epoch = parse_int(value, 10)
    except GoParseError as exc:
        raise GoParseError("could not parse string as date and time") from exc
    return datetime.fromtimestamp(epoch, tz=UTC)
