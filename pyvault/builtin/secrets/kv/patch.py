"""JSON merge patch (RFC 7386), the semantics of Vault's PATCH on KV v2 data."""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """``null`` deletes a key, objects merge recursively, anything else replaces.

    Nulls inside a newly added object are dropped too, so ``{"n": {"m": null}}``
    adds ``{"n": {}}``. The inputs are not modified.
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
