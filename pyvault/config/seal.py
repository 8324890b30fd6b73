"""``seal "pkcs11" { ... }`` / ``seal "transit" { ... }`` → SealConfigBlock."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

from pyvault.config.model import SealConfigBlock
from pyvault.config.values import as_bool, as_option_string, describe

__all__ = ["SEAL_TYPES", "parse_seal", "seal_blocks"]

SEAL_TYPES = ("shamir", "pkcs11", "transit")


def seal_blocks(value: object) -> Iterator[tuple[str, object]]:
    """Yield (type, body) for each block, as the storage blocks are read."""
    if isinstance(value, list):
        for element in value:
            yield from seal_blocks(element)
        return
    if not isinstance(value, dict) or not value:
        raise ValueError(
            'seal must be a block like seal "pkcs11" { lib = "..." }, '
            f"got {describe(value)}"
        )
    for kind, body in value.items():
        for one in body if isinstance(body, list) else [body]:
            yield str(kind), one


def parse_seal(kind: str, body: object) -> SealConfigBlock:
    if kind not in SEAL_TYPES:
        raise ValueError(
            f'seal type "{kind}" is not supported (use one of ' + ", ".join(SEAL_TYPES) + ")"
        )
    if not isinstance(body, dict):
        raise ValueError(f'seal "{kind}" must be a block, got {describe(body)}')
    disabled = as_bool(body.get("disabled", False))
    options = {str(key): as_option_string(value) for key, value in body.items()
               if key != "disabled"}
    return SealConfigBlock(type=kind, options=MappingProxyType(options), disabled=disabled)
