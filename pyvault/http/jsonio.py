"""JSON in and out, via orjson; error texts shaped like Vault's."""

from __future__ import annotations

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
        raise InvalidRequest(f"{prefix}: {_describe(raw, exc)}") from None
    if _too_deep(value):
        raise InvalidRequest(f"{prefix}: JSON input exceeds allowed nesting depth")
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
