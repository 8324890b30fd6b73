"""Field schemas and Vault's input coercion rules, written once for every backend."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pyvault.logical.errors import InvalidRequest
from pyvault.policy import goparse


class FieldType(StrEnum):
    STRING = "string"
    LOWERCASE_STRING = "lowercase_string"
    NAME = "name"
    INT = "int"
    BOOL = "bool"
    DURATION = "duration"
    # Vault's TypeSignedDurationSecond: the few fields where a negative value means
    # something (KV's delete_version_after < 0 disables it); DURATION refuses them.
    SIGNED_DURATION = "signed_duration"
    COMMA_STRING_SLICE = "comma_string_slice"
    STRING_SLICE = "string_slice"
    COMMA_INT_SLICE = "comma_int_slice"
    MAP = "map"
    KV_PAIRS = "kv_pairs"
    HEADER = "header"
    ANY = "any"


# The OpenAPI type of each field type (used by the spec generator and help).
OPENAPI_TYPES: Mapping[FieldType, str] = {
    FieldType.STRING: "string",
    FieldType.LOWERCASE_STRING: "string",
    FieldType.NAME: "string",
    FieldType.INT: "integer",
    FieldType.BOOL: "boolean",
    FieldType.DURATION: "integer",
    FieldType.SIGNED_DURATION: "integer",
    FieldType.COMMA_STRING_SLICE: "array",
    FieldType.STRING_SLICE: "array",
    FieldType.COMMA_INT_SLICE: "array",
    FieldType.MAP: "object",
    FieldType.KV_PAIRS: "object",
    FieldType.HEADER: "object",
    FieldType.ANY: "string",
}

_ZERO: Mapping[FieldType, Any] = {
    FieldType.STRING: "",
    FieldType.LOWERCASE_STRING: "",
    FieldType.NAME: "",
    FieldType.INT: 0,
    FieldType.BOOL: False,
    FieldType.DURATION: 0,
    FieldType.SIGNED_DURATION: 0,
    FieldType.COMMA_STRING_SLICE: [],
    FieldType.STRING_SLICE: [],
    FieldType.COMMA_INT_SLICE: [],
    FieldType.MAP: {},
    FieldType.KV_PAIRS: {},
    FieldType.HEADER: {},
    FieldType.ANY: None,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    type: FieldType = FieldType.STRING
    description: str = ""
    default: Any = None
    required: bool = False
    allowed: tuple[Any, ...] = ()
    query: bool = False
    sensitive: bool = False

    def zero(self) -> Any:
        value = _ZERO[self.type]
        return list(value) if isinstance(value, list) else (
            dict(value) if isinstance(value, dict) else value
        )


class CoercionError(ValueError):
    pass


def go_type(value: Any) -> str:
    """The Go type name a decoded JSON value has inside Vault (for error texts)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "interface {}"


def unconvertible(expected: str, value: Any) -> CoercionError:
    return CoercionError(
        f"'' expected type '{expected}', got unconvertible type '{go_type(value)}'"
    )


def parse_bool(value: Any) -> bool:
    """Go's strconv.ParseBool plus JSON numbers, as Vault's field decoder accepts;
    null is false (mapstructure's zero value)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip()
        if lowered in ("1", "t", "T", "true", "TRUE", "True"):
            return True
        if lowered in ("0", "f", "F", "false", "FALSE", "False", ""):
            return False
        raise CoercionError("'' cannot parse value as 'bool': strconv.ParseBool: invalid syntax")
    raise unconvertible("bool", value)


def parse_int(value: Any) -> int:
    if value is None:
        return 0  # mapstructure's zero value, as Vault decodes a JSON null
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != int(value):
            raise CoercionError(
                "'' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
            )
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        try:
            return int(text, 0) if text.lower().startswith(("0x", "0o", "0b")) else int(text)
        except ValueError:
            raise CoercionError(
                "'' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
            ) from None
    raise unconvertible("int", value)


_NANOS = 1_000_000_000
_INT64_MAX = (1 << 63) - 1
_OVERFLOW = "multiplication of durations resulted in overflow, one operand may be too large"
_DIGITS = re.compile(r"[+-]?[0-9]+")


def _seconds_to_nanos(seconds: int, scale: int = 1) -> int:
    """Go's checked ``Duration`` multiplication: int64 nanoseconds or an error."""
    nanos = seconds * scale * _NANOS
    if not -_INT64_MAX - 1 <= nanos <= _INT64_MAX:
        raise CoercionError(_OVERFLOW)
    return nanos


def _duration_nanos(value: Any) -> int:
    """``parseutil.ParseDurationSecond``: a bare number is seconds, "Nd" is days,
    anything else goes through ``time.ParseDuration``. JSON numbers arrive in Vault
    as their literal text, so they take the string path too (1.5 has no unit)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CoercionError("could not parse duration from input")
    text = value if isinstance(value, str) else repr(value)
    if text == "":
        return 0
    try:
        try:
            return _seconds_to_nanos(goparse.parse_int(text, 10))
        except goparse.GoParseError:
            pass
        if text.endswith("d"):
            return _seconds_to_nanos(goparse.parse_int(text[:-1], 10), 86_400)
        if _DIGITS.fullmatch(text):
            # Only an int64 overflow fails ParseInt here; Go's ParseDuration then
            # stops at the oversized number before it looks for a unit.
            raise CoercionError(f'time: invalid duration "{text}"')
        return goparse.parse_duration(text)
    except goparse.GoParseError as exc:
        raise CoercionError(str(exc)) from None


def parse_duration_seconds(value: Any, *, signed: bool = False) -> int:
    """Whole seconds (truncated toward zero, as Go's ``int(d.Seconds())``); only a
    signed field may be negative, with the framework's text otherwise."""
    nanos = _duration_nanos(value)
    seconds = -(-nanos // _NANOS) if nanos < 0 else nanos // _NANOS
    if seconds < 0 and not signed:
        raise CoercionError(f"cannot provide negative value '{seconds}'")
    return seconds


def parse_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value) if not isinstance(value, float) or value != int(value) else str(
            int(value)
        )
    if value is None:
        return ""
    raise unconvertible("string", value)


def parse_string_slice(value: Any, comma: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        if not comma:
            return [value]
        if value.strip() == "":
            return []
        return [part.strip() for part in value.split(",") if part.strip() != ""]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            text = parse_string(item)
            if comma:
                out.extend(p.strip() for p in text.split(",") if p.strip() != "")
            else:
                out.append(text)
        return out
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [parse_string(value)]
    raise unconvertible("[]string", value)


def parse_map(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        if value.strip() == "":
            return {}
        try:
            decoded = json.loads(value)
        except ValueError:
            raise unconvertible("map[string]interface {}", value) from None
        if isinstance(decoded, dict):
            return decoded
    raise unconvertible("map[string]interface {}", value)


def parse_kv_pairs(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): parse_string(v) for k, v in value.items()}
    pairs = parse_string_slice(value, comma=False)
    result: dict[str, str] = {}
    for index, pair in enumerate(pairs):
        key, sep, item = pair.partition("=")
        if not sep:
            raise CoercionError(f"invalid key pair at index {index}")
        result[key] = item
    return result


def coerce(field_type: FieldType, value: Any) -> Any:
    """Convert raw JSON/query input into the field's Python type."""
    if field_type in (FieldType.STRING, FieldType.NAME):
        return parse_string(value)
    if field_type is FieldType.LOWERCASE_STRING:
        return parse_string(value).lower()
    if field_type is FieldType.INT:
        return parse_int(value)
    if field_type is FieldType.BOOL:
        return parse_bool(value)
    if field_type is FieldType.DURATION:
        return parse_duration_seconds(value)
    if field_type is FieldType.SIGNED_DURATION:
        return parse_duration_seconds(value, signed=True)
    if field_type is FieldType.COMMA_STRING_SLICE:
        return parse_string_slice(value, comma=True)
    if field_type is FieldType.STRING_SLICE:
        return parse_string_slice(value, comma=False)
    if field_type is FieldType.COMMA_INT_SLICE:
        return [parse_int(item) for item in parse_string_slice(value, comma=True)]
    if field_type is FieldType.MAP:
        return parse_map(value)
    if field_type in (FieldType.KV_PAIRS, FieldType.HEADER):
        return parse_kv_pairs(value)
    return value


def conversion_error(name: str, value: Any, error: Exception, *,
                     prefixed: bool = True) -> InvalidRequest:
    """Vault's wording, which clients and tests match on. Vault validates a
    create/update on a path with an existence check inside that check, whose
    errors carry no "Field validation failed: " prefix (``prefixed=False``)."""
    text = f'error converting input for field "{name}": {error}'
    return InvalidRequest(f"Field validation failed: {text}" if prefixed else text)
