"""Decode a JSON body into a fixed set of typed fields, the way Go's encoding/json
does for Vault's raw sys endpoints: keys match case-insensitively, unknown keys are
ignored, and a type mismatch is reported with Go's wording (clients match on it)."""

from __future__ import annotations

from typing import Any

from pyvault.logical.errors import InvalidRequest

PREFIX = "failed to decode JSON input: json: "
_ZERO: dict[type, Any] = {int: 0, str: "", bool: False, list: []}
_GO_NAME: dict[type, str] = {int: "int", str: "string", bool: "bool", list: "[]string"}


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_struct(body: Any, struct: str, fields: dict[str, type]) -> dict[str, Any]:
    """``struct`` is the Go type name used in messages, e.g. ``http.InitRequest``."""
    result = {name: (list(zero) if isinstance(zero := _ZERO[kind], list) else zero)
              for name, kind in fields.items()}
    if body is None:
        return result
    if not isinstance(body, dict):
        raise InvalidRequest(
            f"{PREFIX}cannot unmarshal {_json_kind(body)} into Go value of type {struct}"
        )
    by_lower = {name.lower(): name for name in fields}
    short = struct.rsplit(".", 1)[-1]
    for key, value in body.items():
        name = by_lower.get(key.lower())
        if name is None or value is None:
            continue
        kind = fields[name]
        if not _fits(value, kind):
            shown = f"number {value}" if _json_kind(value) == "number" and kind is int else (
                _json_kind(value)
            )
            raise InvalidRequest(
                f"{PREFIX}cannot unmarshal {shown} into Go struct field "
                f"{short}.{name} of type {_GO_NAME[kind]}"
            )
        result[name] = int(value) if kind is int else value
    return result


def _fits(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value == int(value)
        )
    if kind is str:
        return isinstance(value, str)
    if kind is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return False
