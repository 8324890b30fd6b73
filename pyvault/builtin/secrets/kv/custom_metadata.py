"""``custom_metadata``: version-agnostic string pairs on a secret, with Vault's limits.

At most 64 keys; keys 1..128 bytes, values 1..512 bytes, all printable. Every
violation is reported at once, in go-multierror's format, as Vault does.
"""

from __future__ import annotations

import json
from typing import Any

from pyvault.builtin.secrets.kv import goparse
from pyvault.logical.errors import InvalidRequest

MAX_KEYS = 64
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 512
PREFIX = "custom_metadata validation failed"


def multierror_text(errors: list[str]) -> str:
    """go-multierror's rendering of one or more errors."""
    head = "1 error occurred" if len(errors) == 1 else f"{len(errors)} errors occurred"
    return head + ":\n" + "".join(f"\t* {error}\n" for error in errors) + "\n"


def _go_quote(text: str) -> str:
    """Close to Go's %q for the printable strings that reach these messages."""
    return json.dumps(text, ensure_ascii=False)


def parse(raw: dict[str, Any] | None, *, drop_nulls: bool) -> dict[str, str]:
    """Values weakly decoded to strings (``true`` → "1"); nulls skipped when patching,
    because there a null removes the key."""
    result: dict[str, str] = {}
    for key, value in (raw or {}).items():
        if drop_nulls and value is None:
            continue
        try:
            result[key] = goparse.weak_string(value)
        except goparse.GoDecodeError as exc:
            raise InvalidRequest(f"{PREFIX}: {exc}") from None
    return result


def validate(metadata: dict[str, str]) -> None:
    if len(metadata) > MAX_KEYS:
        raise InvalidRequest(multierror_text([
            f"{PREFIX}: payload must contain at most {MAX_KEYS} keys, "
            f"provided {len(metadata)}"]))
    errors: list[str] = []
    for key, value in metadata.items():
        key_length, value_length = len(key.encode()), len(value.encode())
        if not 0 < key_length <= MAX_KEY_LENGTH:
            errors.append(f"{PREFIX}: length of key {_go_quote(key)} is {key_length} but "
                          f"must be 0 < len(key) <= {MAX_KEY_LENGTH}")
        if not 0 < value_length <= MAX_VALUE_LENGTH:
            errors.append(f"{PREFIX}: length of value for key {_go_quote(key)} is "
                          f"{value_length} but must be 0 < len(value) <= {MAX_VALUE_LENGTH}")
        if not key.isprintable():
            errors.append(f"{PREFIX}: key {_go_quote(key)} ({key}) contains unprintable "
                          "characters")
        if not value.isprintable():
            errors.append(f"{PREFIX}: value for key {_go_quote(key)} contains unprintable "
                          "characters")
    if errors:
        raise InvalidRequest(multierror_text(errors))


def apply_patch(current: dict[str, str], patch: dict[str, Any] | None) -> dict[str, str]:
    """Merge-patch the pairs: null removes a key; a JSON null patch clears them all.

    Vault decodes the merged result into ``map[string]string`` and fails with a 500
    on a number or bool; that is bad input, so we answer 400 with its text.
    """
    if patch is None:
        return {}
    result = dict(current)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, str):
            result[key] = value
        else:
            kind = "bool" if isinstance(value, bool) else "number"
            raise InvalidRequest(f"json: cannot unmarshal {kind} into Go struct field "
                                 f".custom_metadata.{key} of type string")
    return result
