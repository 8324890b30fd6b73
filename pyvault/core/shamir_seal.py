"""The Shamir seal: an unseal key (split into shares) wraps the barrier's root key.

Only the wrapped root key and the seal config live outside the barrier.
"""

from __future__ import annotations

from pyvault.crypto import aead, shamir
from pyvault.crypto.random import RandomSource
from pyvault.physical.protocol import PhysicalBackend

ROOT_KEY_PATH = "core/hsm/barrier-unseal-keys"


class WrongUnsealKey(Exception):
    """The combined unseal key does not open the stored root key."""


class ShamirSeal:
    def __init__(self, physical: PhysicalBackend, random: RandomSource) -> None:
        self._physical = physical
        self._random = random

    def new_unseal_key(self) -> bytes:
        return self._random.bytes(aead.KEY_SIZE)

    def split(self, unseal_key: bytes, shares: int, threshold: int) -> list[bytes]:
        """With one share the share *is* the key, as Vault does."""
        if shares == 1:
            return [unseal_key]
        return shamir.split(unseal_key, shares, threshold, self._random)

    @staticmethod
    def combine(shares: list[bytes]) -> bytes:
        if len(shares) == 1:
            return shares[0]
        return shamir.combine(shares)

    @staticmethod
    def wrap_root_key(unseal_key: bytes, root_key: bytes, random: RandomSource) -> bytes:
        """The stored form of ``root_key`` under ``unseal_key`` (at ROOT_KEY_PATH)."""
        return aead.seal(unseal_key, root_key, ROOT_KEY_PATH.encode(), random)

    async def store_root_key(self, unseal_key: bytes, root_key: bytes) -> None:
        await self._physical.put(ROOT_KEY_PATH,
                                 self.wrap_root_key(unseal_key, root_key, self._random))

    async def open_root_key(self, unseal_key: bytes) -> bytes:
        blob = await self._physical.get(ROOT_KEY_PATH)
        if blob is None:
            raise WrongUnsealKey("no stored root key")
        if len(unseal_key) != aead.KEY_SIZE:
            raise WrongUnsealKey("unseal key has the wrong length")
        try:
            return aead.open_sealed(unseal_key, blob, ROOT_KEY_PATH.encode())
        except aead.DecryptionError:
            raise WrongUnsealKey("unseal key does not open the root key") from None
