"""Reading a seal block's options: strings (as Vault's map[string]string), with the
environment variables Vault and OpenBao read for the same settings."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from pyvault.seal.protocol import SealConfigError

_TRUE = frozenset({"1", "t", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "f", "false", "no", "off"})


def option(options: Mapping[str, str], key: str, env: Sequence[str] = (),
           default: str = "") -> str:
    """Environment first (it overrides the file, as in Vault), then the file."""
    for name in env:
        value = os.environ.get(name)
        if value:
            return value
    return options.get(key, default)


def flag(options: Mapping[str, str], key: str, env: Sequence[str] = ()) -> bool:
    text = option(options, key, env).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SealConfigError(f'{key} must be true or false, got "{text}"')


def required(options: Mapping[str, str], key: str, env: Sequence[str] = ()) -> str:
    value = option(options, key, env)
    if not value:
        raise SealConfigError(f'"{key}" is required')
    return value
