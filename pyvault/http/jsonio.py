"""JSON in and out, via orjson; error texts shaped like Vault's."""

from __future__ import annotations

import json
from typing import Any

import orjson

from pyvault.logical.errors import InvalidRequest

MAX_JSON_DEPTH = 500


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads_body(raw: bytes, prefix: str = "failed to decode JSON input") -> Any:
    """Parse a request body. Empty means no input, as Vault treats it."""
    if not raw.strip():
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        value = _go_lenient(raw)
        if value is _FAILED:
            raise InvalidRequest(f"{prefix}: {_describe(raw, exc)}") from None
    if _too_deep(value):
        raise InvalidRequest(f"{prefix}: JSON input exceeds allowed nesting depth")
    return value


_FAILED = object()


def _go_lenient(raw: bytes) -> Any:
    """What Go's json.Decoder still accepts: invalid UTF-8 inside strings (read as
    U+FFFD) and further JSON values after the first (ignored)."""
    text = raw.decode("utf-8", "replace")
    decoder = json.JSONDecoder(parse_float=_finite_float)
    try:
        value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
        rest = text[end:].strip()
        while rest:
            _, used = decoder.raw_decode(rest)
            rest = rest[used:].strip()
    except (ValueError, RecursionError):
        return _FAILED
    return _FAILED if _too_deep(value) else value


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _describe(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    if exc.pos >= len(raw.rstrip()):
        return "unexpected EOF"
    bad = raw[exc.pos : exc.pos + 1].decode("utf-8", "replace")
    return f"invalid character {bad!r} looking for beginning of value"


def _too_deep(value: Any) -> bool:
    """Iterative depth check: a hostile body must not exhaust the stack later."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False
