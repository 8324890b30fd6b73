"""What an auto-unseal seal must do: wrap and unwrap small secrets (the root key,
the recovery key) with a key that never leaves the seal."""

from __future__ import annotations

from typing import Protocol


class SealError(Exception):
    """The seal could not wrap or unwrap: its key holder is missing, unreachable or
    refused. The message names the cause, never a secret."""


class SealConfigError(ValueError):
    """A ``seal`` block that cannot be used (one line, for the config error)."""


class AutoSeal(Protocol):
    """An auto-unseal seal. ``aad`` binds a blob to where it is stored, so a blob
    moved to another storage path does not unwrap."""

    @property
    def seal_type(self) -> str: ...

    async def open(self) -> None:
        """Connect to the key holder (log in, find or make the key)."""

    async def wrap(self, plaintext: bytes, aad: bytes) -> bytes: ...

    async def unwrap(self, blob: bytes, aad: bytes) -> bytes: ...

    async def close(self) -> None: ...
