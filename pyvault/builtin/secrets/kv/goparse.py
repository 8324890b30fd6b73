"""Vault's input decoding, reproduced so error texts match byte for byte.

Vault decodes request fields with mapstructure's "weak" rules and
``parseutil.ParseDurationSecond``; clients (and our compat tests) see those
libraries' exact messages. JSON numbers reach Vault as ``json.Number`` text, so
a float (``1.5``, ``1e3``, ``1.0``) is never an integer there: we treat every
Python float the same way.
"""

from __future__ import annotations

from typing import Any

INT64_MAX = (1 << 63) - 1
_UNCONVERTIBLE_NAMES = {dict: "map[string]interface {}", list: "[]interface {}",
                        str: "string", bool: "bool", int: "json.Number", float: "json.Number"}


class GoDecodeError(ValueError):
    """A decoding failure, its text exactly as the Go library words it."""


def go_type(value: Any) -> str:
    """The Go type name a JSON value has after Vault's decoder."""
    return _UNCONVERTIBLE_NAMES.get(type(value), "interface {}")


def _unconvertible(name: str, expected: str, value: Any) -> GoDecodeError:
    return GoDecodeError(
        f"'{name}' expected type '{expected}', got unconvertible type '{go_type(value)}'"
    )


def _number_text(value: int | float) -> str:
    """What ``json.Number`` would hold (floats lose their literal in our JSON parser)."""
    return str(value) if isinstance(value, int) else repr(value)


# ---- strconv ------------------------------------------------------------------------


def _underscore_ok(text: str) -> bool:
    """Go's rule: underscores only between digits (or after a base prefix)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    saw = "^"
    index = 0
    is_hex = False
    if len(body) >= 2 and body[0] == "0" and body[1].lower() in "box":
        index, saw, is_hex = 2, "0", body[1].lower() == "x"
    for char in body[index:]:
        if char.isdigit() or (is_hex and char.lower() in "abcdef"):
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def parse_go_int(text: str, *, base_prefix: bool) -> int:
    """``strconv.ParseInt(text, 0 or 10, 64)``; raises with the wrapped strconv reason."""
    body, negative = text, False
    if body[:1] in ("+", "-"):
        negative, body = body[0] == "-", body[1:]
    base = 10
    if base_prefix:
        if "_" in text and not _underscore_ok(text):
            raise GoDecodeError("strconv.ParseInt: invalid syntax")
        body = body.replace("_", "")
        lowered = body[:2].lower()
        if lowered in ("0x", "0b", "0o"):
            base, body = {"0x": 16, "0b": 2, "0o": 8}[lowered], body[2:]
        elif len(body) > 1 and body[0] == "0":
            base, body = 8, body[1:]
    digits = "0123456789abcdef"[:base]
    if not body or any(c.lower() not in digits for c in body):
        raise GoDecodeError("strconv.ParseInt: invalid syntax")
    value = int(body, base)
    if value > INT64_MAX + (1 if negative else 0):
        raise GoDecodeError("strconv.ParseInt: value out of range")
    return -value if negative else value


def _parse_go_bool(text: str) -> bool:
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise GoDecodeError("strconv.ParseBool: invalid syntax")


def go_quote(text: str) -> str:
    """``time``'s quote(): ASCII kept, control and non-ASCII bytes as ``\\xNN``."""
    out = ['"']
    for char in text:
        if ord(char) < 0x20 or ord(char) >= 0x80:
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append("\\" + char if char in '"\\' else char)
    out.append('"')
    return "".join(out)


# ---- mapstructure's weak decoding ----------------------------------------------------


def weak_int(value: Any, name: str = "") -> int:
    """mapstructure ``WeakDecode`` into a Go ``int``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise GoDecodeError(
                f"'{name}' cannot parse value as 'int': strconv.ParseInt: value out of range")
        return value
    if isinstance(value, float):
        reason = "value out of range" if value.is_integer() and abs(value) > INT64_MAX \
            else "invalid syntax"
        raise GoDecodeError(f"'{name}' cannot parse value as 'int': strconv.ParseInt: {reason}")
    if isinstance(value, str):
        try:
            return parse_go_int(value or "0", base_prefix=True)
        except GoDecodeError as exc:
            raise GoDecodeError(f"'{name}' cannot parse value as 'int': {exc}") from None
    raise _unconvertible(name, "int", value)


def weak_bool(value: Any, name: str = "") -> bool:
    """mapstructure ``WeakDecode`` into a Go ``bool`` (numbers go through ParseBool)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | str):
        text = _number_text(value) if not isinstance(value, str) else value
        try:
            return False if text == "" else _parse_go_bool(text)
        except GoDecodeError as exc:
            raise GoDecodeError(f"'{name}' cannot parse value as 'bool': {exc}") from None
    raise _unconvertible(name, "bool", value)


def weak_string(value: Any, name: str = "") -> str:
    """mapstructure ``WeakDecode`` into a Go ``string``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _number_text(value)
    raise _unconvertible(name, "string", value)


def weak_map(value: Any, name: str = "") -> dict[str, Any] | None:
    """mapstructure ``WeakDecode`` into ``map[string]interface{}``; ``None`` stays
    None (Go's typed nil map, which marshals as ``null``)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for index, item in enumerate(value):
            if item is None:
                continue
            if not isinstance(item, dict):
                raise _unconvertible(f"[{index}]", "map[string]interface {}", item)
            merged.update(item)
        return merged
    raise _unconvertible(name, "map[string]interface {}", value)


def comma_int_slice(value: Any) -> list[int]:
    """``TypeCommaIntSlice``: "1,2", 3, [1, "2"] → ints; errors joined as mapstructure."""
    if value is None:
        return []
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = _number_text(value)
    if isinstance(value, str):
        items: list[Any] = value.split(",") if value != "" else []
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    result: list[int] = []
    errors: list[str] = []
    for index, item in enumerate(items):
        try:
            result.append(weak_int(item, f"[{index}]"))
        except GoDecodeError as exc:
            errors.append(str(exc))
    if errors:
        raise GoDecodeError("decoding failed due to the following error(s):\n\n"
                            + "\n".join(errors))
    return result


# ---- durations -------------------------------------------------------------------------

_UNIT_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
            "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_LIMIT = 1 << 63


def parse_go_duration(text: str) -> int:
    """Go's ``time.ParseDuration`` in nanoseconds, with its error texts."""
    invalid = GoDecodeError(f"time: invalid duration {go_quote(text)}")
    rest, negative = text, False
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if rest == "":
        raise invalid
    total = 0
    while rest:
        if not (rest[0] == "." or (rest[0].isascii() and rest[0].isdigit())):
            raise invalid
        end = 0
        while end < len(rest) and rest[end].isascii() and rest[end].isdigit():
            end += 1
        whole = int(rest[:end]) if end else 0
        if whole >= _LIMIT:
            raise invalid
        pre, rest = end > 0, rest[end:]
        fraction, scale, post = 0, 1.0, False
        if rest[:1] == ".":
            rest = rest[1:]
            end = 0
            overflow = False
            while end < len(rest) and rest[end].isascii() and rest[end].isdigit():
                if not overflow and fraction <= (_LIMIT - 1) // 10:
                    fraction, scale = fraction * 10 + int(rest[end]), scale * 10
                else:
                    overflow = True
                end += 1
            post, rest = end > 0, rest[end:]
        if not pre and not post:
            raise invalid
        end = 0
        while end < len(rest) and rest[end] != "." and not (
            rest[end].isascii() and rest[end].isdigit()
        ):
            end += 1
        if end == 0:
            raise GoDecodeError(f"time: missing unit in duration {go_quote(text)}")
        unit_name, rest = rest[:end], rest[end:]
        unit = _UNIT_NS.get(unit_name)
        if unit is None:
            raise GoDecodeError(
                f"time: unknown unit {go_quote(unit_name)} in duration {go_quote(text)}")
        if whole > _LIMIT // unit:
            raise invalid
        value = whole * unit
        if fraction:
            value += int(float(fraction) * (float(unit) / scale))
            if value > _LIMIT:
                raise invalid
        total += value
        if total > _LIMIT:
            raise invalid
    if not negative and total > _LIMIT - 1:
        raise invalid
    return -total if negative else total


def _seconds_ns(seconds: int) -> int:
    if abs(seconds) * 1_000_000_000 > INT64_MAX:
        raise GoDecodeError("multiplication overflow")
    return seconds * 1_000_000_000


def duration_ns(value: Any) -> int:
    """``parseutil.ParseDurationSecond``: bare numbers are seconds, "Nd" days."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise GoDecodeError("could not parse duration from input")
    if isinstance(value, int):
        return _seconds_ns(value)
    text = value if isinstance(value, str) else _number_text(value)
    if text == "":
        return 0
    try:
        return _seconds_ns(parse_go_int(text, base_prefix=False))
    except GoDecodeError:
        pass
    if text.endswith("d"):
        try:
            days = parse_go_int(text[:-1], base_prefix=False)
        except GoDecodeError as exc:
            reason = str(exc).removeprefix("strconv.ParseInt: ")
            raise GoDecodeError(
                f'strconv.ParseInt: parsing "{text[:-1]}": {reason}') from None
        return _seconds_ns(days * 86_400)
    return parse_go_duration(text)


def duration_seconds(value: Any, *, signed: bool) -> int:
    """``TypeDurationSecond`` / ``TypeSignedDurationSecond`` → whole seconds."""
    nanos = duration_ns(value)
    whole = abs(nanos) // 1_000_000_000  # Go truncates toward zero
    seconds = -whole if nanos < 0 else whole
    if not signed and seconds < 0:
        raise GoDecodeError(f"cannot provide negative value '{seconds}'")
    return seconds


def format_go_duration(seconds: int) -> str:
    """Go's ``Duration.String()`` for whole seconds: "0s", "1m30s", "1h0m0s", "-1s"."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"
