"""Under an auto seal: the seal-wrapped root key and the operators' recovery key.

The auto seal (HSM, transit) wraps the root key, so no operator is needed to
unseal. The operators instead hold shares of a *recovery key*, which authorises the
ceremonies (generate-root, rekey) and unseals after an explicit sys/seal. The
recovery key is stored wrapped by the seal too: checking a share set needs both
the storage and the seal, and neither alone opens anything.
"""

from __future__ import annotations

from pyvault.core.seal_config import RECOVERY_CONFIG_PATH, SealConfig
from pyvault.core.shamir_seal import ROOT_KEY_PATH, WrongUnsealKey
from pyvault.crypto.random import compare
from pyvault.logical.errors import InternalError
from pyvault.physical.protocol import PhysicalBackend
from pyvault.seal.protocol import AutoSeal, SealError

RECOVERY_KEY_PATH = "core/recovery-key"
RECOVERY_MISMATCH = (
    "recovery key verification failed: recovery key does not match submitted values"
)


class WrongRecoveryKey(WrongUnsealKey):
    """The combined shares are not the stored recovery key."""


def seal_failure(what: str, exc: SealError) -> InternalError:
    """A seal that cannot be reached is the server's problem (500), not the caller's."""
    return InternalError(f"{what}: {exc}")


class AutoSealKeys:
    """The root key and recovery key, each wrapped by the seal under its own path."""

    def __init__(self, physical: PhysicalBackend, seal: AutoSeal) -> None:
        self._physical = physical
        self.seal = seal
        self._config: SealConfig | None = None

    async def wrapped(self, path: str, plaintext: bytes) -> bytes:
        """``plaintext`` as stored at ``path`` (bound to it: moved, it does not unwrap)."""
        return await self.seal.wrap(plaintext, path.encode())

    async def _put(self, path: str, plaintext: bytes) -> None:
        await self._physical.put(path, await self.wrapped(path, plaintext))

    async def _get(self, path: str) -> bytes | None:
        blob = await self._physical.get(path)
        return None if blob is None else await self.seal.unwrap(blob, path.encode())

    async def store_root_key(self, root_keys: bytes) -> None:
        try:
            await self._put(ROOT_KEY_PATH, root_keys)
        except SealError as exc:
            raise seal_failure("failed to wrap the root key", exc) from None

    async def root_key(self) -> bytes:
        """Raises SealError when the seal cannot unwrap it (HSM gone, key changed)."""
        root_key = await self._get(ROOT_KEY_PATH)
        if root_key is None:
            raise SealError("no stored root key")
        return root_key

    async def config(self) -> SealConfig | None:
        if self._config is None:
            raw = await self._physical.get(RECOVERY_CONFIG_PATH)
            if raw is not None:
                self._config = SealConfig.deserialize(raw)
        return self._config

    async def install(self, config: SealConfig, recovery_key: bytes | None) -> None:
        """The key first, then its config: a crash in between leaves the old shares
        unable to verify, never new shares that the stored key does not match."""
        if recovery_key is not None:
            try:
                await self._put(RECOVERY_KEY_PATH, recovery_key)
            except SealError as exc:
                raise seal_failure("failed to wrap the recovery key", exc) from None
        await self._physical.put(RECOVERY_CONFIG_PATH, config.serialize())
        self._config = config

    async def check(self, recovery_key: bytes) -> None:
        """Raises WrongRecoveryKey unless ``recovery_key`` is the stored one."""
        try:
            stored = await self._get(RECOVERY_KEY_PATH)
        except SealError as exc:
            raise seal_failure("failed to read the recovery key", exc) from None
        if stored is None or not compare(stored, recovery_key):
            raise WrongRecoveryKey(RECOVERY_MISMATCH)

    def forget(self) -> None:
        """Re-read the config next time (a standby taking over)."""
        self._config = None
