"""``storage "sqlite" { ... }`` (or the older ``backend``) → StorageConfig."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

from pyvault.config.model import StorageConfig
from pyvault.config.values import as_option_string, describe

__all__ = ["STORAGE_TYPES", "parse_storage", "storage_blocks"]

STORAGE_TYPES = ("inmem", "sqlite", "postgresql")


def storage_blocks(value: object) -> Iterator[tuple[str, object]]:
    """Yield (type, body) for each block: ``{"sqlite": {...}}`` or a JSON list of those."""
    if isinstance(value, list):
        for element in value:
            yield from storage_blocks(element)
        return
    if not isinstance(value, dict) or not value:
        raise ValueError(
            'storage must be a block like storage "sqlite" { path = "..." }, '
            f"got {describe(value)}"
        )
    for kind, body in value.items():
        if isinstance(body, list):  # the same type given twice inside one block
            for one in body:
                yield str(kind), one
        else:
            yield str(kind), body


def parse_storage(kind: str, body: object) -> StorageConfig:
    """Check the type and turn every option into a string, as Vault's parseStorage does."""
    if kind not in STORAGE_TYPES:
        raise ValueError(
            f'storage type "{kind}" is not supported (use one of ' + ", ".join(STORAGE_TYPES) + ")"
        )
    if not isinstance(body, dict):
        raise ValueError(f'storage "{kind}" must be a block, got {describe(body)}')
    options = {str(key): as_option_string(value) for key, value in body.items()}
    return StorageConfig(type=kind, options=MappingProxyType(options))
