"""Coerce raw HCL/JSON values the way Vault's config decoder does.

Each function raises ValueError with a short reason; the caller adds the key
and file name, so messages stay one line and say where the problem is.
"""

from __future__ import annotations

import json

from pyvault.util.durations import parse_duration

__all__ = ["as_bool", "as_duration", "as_int", "as_option_string", "as_str", "describe"]

# Go's strconv.ParseBool, which Vault's parseutil uses for string values.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def describe(value: object) -> str:
    """Name a value's type in config terms, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list (or a key given more than once)"
    if isinstance(value, dict):
        return "a block" if value else "an empty block"
    if value is None:
        return "null"
    return type(value).__name__


def as_bool(value: object) -> bool:
    """true/false, 1/0 or their string forms ("true", "1", ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise ValueError(f"must be true or false (or 1/0), got {_show(value)}")


def as_int(value: object) -> int:
    """An integer, or a string holding one (Vault's parseutil.ParseInt)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            pass
    raise ValueError(f"must be an integer, got {_show(value)}")


def as_str(value: object) -> str:
    """A string; numbers are refused so that typos like ``address = 8200`` show."""
    if isinstance(value, str):
        return value
    raise ValueError(f"must be a string, got {_show(value)}")


def as_duration(value: object) -> float:
    """Seconds from a Go duration ("1h30m") or a number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(
            f"must be a duration such as '768h' or a number of seconds, got {_show(value)}"
        )
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"is not a valid duration ({exc})") from None


def as_option_string(value: object) -> str:
    """Storage option values: strings as-is, anything else JSON-encoded, as Vault does."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _show(value: object) -> str:
    if isinstance(value, str | int | float):  # bool is an int
        return repr(value) if not isinstance(value, bool) else str(value).lower()
    return describe(value)
