"""The server config's ``seal`` blocks → the seal to use (None: Shamir)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from pyvault.seal.pkcs11 import PKCS11Options, PKCS11Seal
from pyvault.seal.protocol import AutoSeal, SealConfigError
from pyvault.seal.transit import TransitClientFactory, TransitOptions, TransitSeal

SEAL_TYPES = ("shamir", "pkcs11", "transit")


class SealBlock(Protocol):
    """What the config layer parsed (pyvault.config.SealConfigBlock)."""

    @property
    def type(self) -> str: ...

    @property
    def options(self) -> Mapping[str, str]: ...

    @property
    def disabled(self) -> bool: ...


def build_seal(
    blocks: Sequence[SealBlock], *, transit_client: TransitClientFactory | None = None
) -> AutoSeal | None:
    """The one enabled block's seal. A second, ``disabled`` block is Vault's seal
    migration, which pyvault does not do yet, so it is refused rather than ignored."""
    enabled = [block for block in blocks if not block.disabled]
    if len(blocks) > 1 or len(enabled) != len(blocks):
        raise SealConfigError(
            "seal migration (a disabled seal block) is not supported; give one seal block"
        )
    if not enabled:
        return None
    block = enabled[0]
    if block.type == "shamir":
        return None
    if block.type == "pkcs11":
        return PKCS11Seal(PKCS11Options.from_block(block.options))
    if block.type == "transit":
        if transit_client is None:
            raise SealConfigError("transit seal needs an HTTP client")
        return TransitSeal(TransitOptions.from_block(block.options), transit_client)
    raise SealConfigError(
        f'seal type "{block.type}" is not supported (use one of {", ".join(SEAL_TYPES)})'
    )
