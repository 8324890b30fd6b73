"""The server config's ``seal`` blocks → the seal to use and, during a seal
migration, the seal to migrate away from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pyvault.seal.protocol import AutoSeal, SealConfigError

if TYPE_CHECKING:
    from pyvault.seal.transit import TransitClientFactory

SEAL_TYPES = ("shamir", "pkcs11", "transit")


class SealBlock(Protocol):
    """What the config layer parsed (pyvault.config.SealConfigBlock)."""

    @property
    def type(self) -> str: ...

    @property
    def options(self) -> Mapping[str, str]: ...

    @property
    def disabled(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class SealSetup:
    """``seal`` is the enabled seal (None: Shamir). ``unwrap`` is a block marked
    ``disabled = "true"``: the auto seal the stored keys are still wrapped by, which
    a ``-migrate`` unseal moves them away from (Vault's seal migration)."""

    seal: AutoSeal | None = None
    unwrap: AutoSeal | None = None

    def seals(self) -> list[AutoSeal]:
        return [seal for seal in (self.seal, self.unwrap) if seal is not None]


def build_seals(
    blocks: Sequence[SealBlock], *, transit_client: TransitClientFactory | None = None
) -> SealSetup:
    """At most one enabled block and one disabled one, as Vault (without Enterprise's
    multi-seal) accepts; a disabled Shamir block means nothing and is refused."""
    enabled = [block for block in blocks if not block.disabled]
    disabled = [block for block in blocks if block.disabled]
    if len(enabled) > 1:
        raise SealConfigError(
            "more than one enabled seal block; give one, plus at most one with "
            'disabled = "true" to migrate away from it'
        )
    if len(disabled) > 1:
        raise SealConfigError('more than one seal block with disabled = "true"')
    if disabled and disabled[0].type == "shamir":
        raise SealConfigError(
            "Shamir seals cannot be set disabled (they should simply not be set)"
        )
    seal = _build(enabled[0], transit_client) if enabled else None
    unwrap = _build(disabled[0], transit_client) if disabled else None
    return SealSetup(seal=seal, unwrap=unwrap)


def _build(block: SealBlock, transit_client: TransitClientFactory | None) -> AutoSeal | None:
    """The seal modules (and python-pkcs11) load only when a block names them."""
    if block.type == "shamir":
        return None
    if block.type == "pkcs11":
        from pyvault.seal.pkcs11 import PKCS11Options, PKCS11Seal

        return PKCS11Seal(PKCS11Options.from_block(block.options))
    if block.type == "transit":
        from pyvault.seal.transit import TransitOptions, TransitSeal

        if transit_client is None:
            raise SealConfigError("transit seal needs an HTTP client")
        return TransitSeal(TransitOptions.from_block(block.options), transit_client)
    raise SealConfigError(
        f'seal type "{block.type}" is not supported (use one of {", ".join(SEAL_TYPES)})'
    )
