"""Initialise, unseal and seal: the operator ceremony over the Shamir seal, or over
an auto seal (pyvault.seal), where the operators hold recovery keys instead — and
the ``-migrate`` unseal that moves the keys from one seal to another
(core/seal_migration.py)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass, field

from pyvault.barrier.aes_gcm import AESGCMBarrier, InvalidRootKey
from pyvault.core.recovery import AutoSealKeys, WrongRecoveryKey, seal_failure
from pyvault.core.seal_config import SEAL_CONFIG_PATH, SealConfig
from pyvault.core.seal_migration import (
    MIGRATE_REQUIRED,
    NO_MIGRATION,
    SealMigration,
    plan_migration,
)
from pyvault.core.shamir_seal import ShamirSeal, WrongUnsealKey
from pyvault.crypto import aead
from pyvault.crypto.random import RandomSource, compare
from pyvault.crypto.shamir import ShamirError
from pyvault.logical.errors import InvalidRequest, VaultError
from pyvault.physical.protocol import PhysicalBackend
from pyvault.seal.protocol import AutoSeal, SealError
from pyvault.util.ids import new_uuid

log = logging.getLogger("pyvault.core")

MIN_KEY_LENGTH = 16
MAX_KEY_LENGTH = aead.KEY_SIZE + 1
WRONG_KEY_MESSAGE = (
    "unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: "
    "cipher: message authentication failed"
)


@dataclass(frozen=True, slots=True)
class InitResult:
    shares: list[bytes] = field(repr=False)
    root_key: bytes = field(repr=False)
    recovery_shares: list[bytes] = field(default_factory=list, repr=False)


@dataclass(slots=True)
class UnsealProgress:
    nonce: str = ""
    parts: list[bytes] = field(default_factory=list, repr=False)


def check_key_length(key: bytes) -> None:
    if len(key) < MIN_KEY_LENGTH:
        raise InvalidRequest(f"invalid key: key is shorter than minimum {MIN_KEY_LENGTH} bytes")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"invalid key: key is longer than maximum {MAX_KEY_LENGTH} bytes")


def decode_key(text: str) -> bytes:
    """Hex first; base64 when hex fails or gives an implausible length (Vault's rule)."""
    try:
        decoded = binascii.unhexlify(text)
        if MIN_KEY_LENGTH <= len(decoded) <= MAX_KEY_LENGTH:
            return decoded
    except (binascii.Error, ValueError):
        pass
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("'key' must be a valid hex or base64 string") from None
    return decoded


class Ceremony:
    """Holds the in-memory unseal progress; never persists a share."""

    def __init__(
        self, physical: PhysicalBackend, barrier: AESGCMBarrier, random: RandomSource,
        auto_seal: AutoSeal | None = None, unwrap_seal: AutoSeal | None = None,
    ) -> None:
        self._physical = physical
        self._barrier = barrier
        self._random = random
        self._seal = ShamirSeal(physical, random)
        # An auto seal wraps the root key; the operators then hold recovery keys.
        self.auto = AutoSealKeys(physical, auto_seal) if auto_seal is not None else None
        # A seal block marked disabled: the seal a migration moves the keys away from.
        self._unwrap = AutoSealKeys(physical, unwrap_seal) if unwrap_seal is not None else None
        self.migration: SealMigration | None = None
        self._progress = UnsealProgress()
        self._config: SealConfig | None = None
        # The current unseal key, kept only while unsealed (Vault keeps it inside the
        # barrier at core/shamir-kek): sys/rotate/root must re-wrap the new root key.
        self._unseal_key: bytes | None = None
        self.lock = asyncio.Lock()

    async def seal_config(self) -> SealConfig | None:
        if self._config is None:
            raw = await self._physical.get(SEAL_CONFIG_PATH)
            if raw is not None:
                self._config = SealConfig.deserialize(raw)
        return self._config

    @property
    def seal_type(self) -> str:
        return self.auto.seal.seal_type if self.auto is not None else "shamir"

    async def prepare(self) -> None:
        """At start, storage open: do the configured seals mean a seal migration?
        Raises SealMigrationError for seals that cannot open this storage."""
        self.migration = await plan_migration(self._physical, self.auto, self._unwrap)

    async def migration_pending(self) -> bool:
        """A migration is configured and not yet done (seal-status ``migration``);
        a seal that cannot answer counts as pending, as in Vault."""
        if self.migration is None:
            return False
        try:
            return not await self.migration.done()
        except VaultError:
            return True

    def check_migrate_flag(self, migrate: bool) -> None:
        """Vault's first checks of an unseal: ``migrate`` needs a configured
        migration (Vault answers 500 here; a caller's mistake is a 400 for us)."""
        if migrate and self.migration is None:
            raise InvalidRequest(NO_MIGRATION)

    async def operator_config(self) -> SealConfig | None:
        """The configuration of the shares the operators hold: recovery keys under an
        auto seal, unseal keys otherwise — until a pending migration is done, those
        of the old seal."""
        if self.migration is not None and await self.migration_pending():
            return await self.migration.operator_config()
        if self.auto is not None:
            return await self.auto.config()
        return await self.seal_config()

    async def check_seal_type(self) -> None:
        """Storage sealed by one kind of seal does not open with another, unless the
        configuration makes it a seal migration (checked at start by ``prepare``)."""
        if self.migration is not None:
            return
        config = await self.seal_config()
        if config is not None and config.type != self.seal_type:
            to = "Shamir" if self.auto is None else f'"{self.seal_type}"'
            raise InvalidRequest(
                f'cannot seal migrate from "{config.type}" to {to}, no disabled seal in '
                "configuration"
            )

    @property
    def progress(self) -> UnsealProgress:
        return self._progress

    def reset_progress(self) -> None:
        self._progress = UnsealProgress()
        self._unseal_key = None
        if self.migration is not None:
            self.migration.key = None

    async def initialize(
        self, config: SealConfig, recovery: SealConfig | None = None
    ) -> InitResult:
        """Create root key, keyring and unseal key; persist; return the shares.
        The seal config is written last: it is what marks the vault initialised."""
        if self.auto is not None:
            return await self._initialize_auto(recovery or SealConfig("shamir", 0, 0))
        config.validate()
        if await self.seal_config() is not None or await self._barrier.initialized():
            raise InvalidRequest("Vault is already initialized")
        root_key = self._random.bytes(aead.KEY_SIZE)
        unseal_key = self._seal.new_unseal_key()
        shares = self._seal.split(unseal_key, config.secret_shares, config.secret_threshold)
        await self._barrier.initialize(root_key)
        await self._seal.store_root_key(unseal_key, root_key)
        await self._physical.put(SEAL_CONFIG_PATH, config.serialize())
        self._config = config
        return InitResult(shares=shares, root_key=root_key)

    async def _initialize_auto(self, recovery: SealConfig) -> InitResult:
        assert self.auto is not None
        recovery.validate_recovery()
        if await self.seal_config() is not None or await self._barrier.initialized():
            raise InvalidRequest("Vault is already initialized")
        root_key = self._random.bytes(aead.KEY_SIZE)
        await self.auto.store_root_key(root_key)
        recovery_key = self._random.bytes(aead.KEY_SIZE)
        shares = self.split(recovery_key, recovery) if recovery.secret_shares else []
        await self._barrier.initialize(root_key)
        await self.auto.install(recovery, recovery_key if shares else None)
        config = SealConfig(self.seal_type, 1, 1)
        await self._physical.put(SEAL_CONFIG_PATH, config.serialize())
        self._config = config
        return InitResult(shares=[], root_key=root_key, recovery_shares=shares)

    async def auto_root_key(self) -> bytes:
        """The root key, unwrapped by the auto seal (SealError if it cannot). Never
        while a migration is pending: then the operators unseal with -migrate."""
        assert self.auto is not None
        await self.check_seal_type()
        if await self.migration_pending():
            raise SealError("cannot auto-unseal during seal migration")
        return await self.auto.root_key()

    async def prove(self, key: bytes) -> None:
        """Raises WrongUnsealKey unless ``key`` (combined from the operators' shares)
        is the current unseal key — or, under an auto seal, the recovery key
        (WrongRecoveryKey)."""
        if self.auto is not None:
            await self.auto.check(key)
        else:
            await self._seal.open_root_key(key)

    async def submit(self, key: bytes, migrate: bool = False) -> bytes | None:
        """Add one share; returns the root key once the threshold opens the seal.
        With ``migrate`` the shares are those of the old seal, and the key they
        combine to is kept for ``migrate_keys``."""
        if await self.seal_config() is None:
            raise InvalidRequest("Vault is not initialized")
        await self.check_seal_type()
        pending = self.migration is not None and not await self.migration.done()
        if pending and not migrate:
            raise InvalidRequest(MIGRATE_REQUIRED)
        config = await self.operator_config()
        if config is None:
            raise InvalidRequest("Vault is not initialized")
        if config.secret_threshold == 0:
            raise InvalidRequest("no recovery keys exist, so the vault unseals only itself")
        if any(compare(part, key) for part in self._progress.parts):
            return None  # a repeated share is ignored, as Vault does
        if not self._progress.parts:
            self._progress.nonce = new_uuid(self._random)
        self._progress.parts.append(key)
        if len(self._progress.parts) < config.secret_threshold:
            return None
        parts, self._progress = self._progress.parts, UnsealProgress()
        try:
            unseal_key = ShamirSeal.combine(parts)
        except ShamirError as exc:
            raise InvalidRequest(
                f"invalid key: failed to compute combined key: {exc}"
            ) from None
        if pending:
            return await self._migration_unseal(unseal_key)
        if self.auto is not None:
            return await self._recovery_unseal(unseal_key)
        try:
            root_key = await self._seal.open_root_key(unseal_key)
        except WrongUnsealKey:
            raise InvalidRequest(WRONG_KEY_MESSAGE) from None
        self._unseal_key = unseal_key
        return root_key

    async def _migration_unseal(self, key: bytes) -> bytes:
        """The shares opened the old seal: keep their key until the keys move."""
        assert self.migration is not None
        try:
            root_key = await self.migration.old_root_key(key, self._seal)
        except WrongRecoveryKey:
            raise InvalidRequest(
                "invalid key: failed to verify recovery key: recovery key does not match "
                "submitted values"
            ) from None
        except WrongUnsealKey:
            raise InvalidRequest(WRONG_KEY_MESSAGE) from None
        self.migration.key = key
        return root_key

    async def migrate_keys(self) -> None:
        """After a -migrate unseal opened the barrier: hand the keys to the new seal
        (one transaction, with the keyring when the root key changes). A node that
        finds the migration already done (by another HA node) just goes on."""
        migration = self.migration
        if migration is None or migration.key is None:
            return
        if await migration.done():
            self._adopt_migrated(migration)
            return
        old_root = self._barrier.root_key()
        ops, root_key = await migration.ops(old_root, self._random)
        if compare(root_key, old_root):
            await self._physical.transaction(ops)
        else:
            await self._barrier.replace_root_key(root_key, alongside=ops)
        log.info("seal migration from %s to %s complete", migration.old_type,
                 migration.new_type)
        self._adopt_migrated(migration)

    def _adopt_migrated(self, migration: SealMigration) -> None:
        """The new seal is in charge: under Shamir the old recovery key now unseals."""
        self._unseal_key = migration.key if self.auto is None else None
        self._config = None
        migration.finish()

    async def _recovery_unseal(self, recovery_key: bytes) -> bytes:
        """After sys/seal an auto-sealed vault opens with a quorum of recovery key
        shares; the seal still unwraps the root key."""
        assert self.auto is not None
        try:
            await self.auto.check(recovery_key)
        except WrongRecoveryKey:
            raise InvalidRequest(
                "invalid key: failed to verify recovery key: recovery key does not match "
                "submitted values"
            ) from None
        try:
            return await self.auto.root_key()
        except SealError as exc:
            raise seal_failure("failed to unwrap the root key", exc) from None

    async def open_root_key(self, unseal_key: bytes) -> bytes:
        """The stored root key, if ``unseal_key`` opens it (rekey and root generation
        prove the operators hold the current unseal key this way)."""
        return await self._seal.open_root_key(unseal_key)

    def split(self, unseal_key: bytes, config: SealConfig) -> list[bytes]:
        return self._seal.split(unseal_key, config.secret_shares, config.secret_threshold)

    async def install_recovery_key(self, config: SealConfig, recovery_key: bytes) -> None:
        """Recovery rekey's last step: the old recovery shares stop working at once."""
        assert self.auto is not None
        await self.auto.install(config, recovery_key)

    async def install_unseal_key(
        self, config: SealConfig, unseal_key: bytes, root_key: bytes
    ) -> None:
        """Rekey's last step: the root key re-wrapped under the new unseal key replaces
        the old wrapping, so the old shares stop opening it at once."""
        await self._seal.store_root_key(unseal_key, root_key)
        await self._physical.put(SEAL_CONFIG_PATH, config.serialize())
        self._config = config
        self._unseal_key = unseal_key

    async def store_root_keys(self, *root_keys: bytes) -> None:
        """Wrap one or more candidate root keys (newest first) under the current
        unseal key; sys/rotate/root stores both while it swaps them, so a crash at
        any point leaves a vault the operators' shares still open."""
        if self.auto is not None:
            await self.auto.store_root_key(b"".join(root_keys))
            return
        if self._unseal_key is None:
            raise InvalidRequest("Vault is sealed")
        await self._seal.store_root_key(self._unseal_key, b"".join(root_keys))

    async def reopen_barrier(self) -> None:
        """A standby taking over: the old active node may have rotated the keyring,
        the root key or the seal config, so all three are read again."""
        self._config = None
        if self.migration is not None and self.migration.key is not None:
            # Unsealed with -migrate while standing by: the old seal opens, then
            # the keys move now that this node holds the lock (Vault's order).
            if not await self.migration.done():
                await self.open_barrier(
                    await self.migration.old_root_key(self.migration.key, self._seal))
                await self.migrate_keys()
                return
            self._adopt_migrated(self.migration)
        if self.auto is not None:
            self.auto.forget()
            try:
                root_key = await self.auto.root_key()
            except SealError as exc:
                raise seal_failure("failed to unwrap the root key", exc) from None
            await self.open_barrier(root_key)
            return
        if self._unseal_key is None:
            raise InvalidRequest("Vault is sealed")
        try:
            root_key = await self._seal.open_root_key(self._unseal_key)
        except WrongUnsealKey:
            raise InvalidRequest(WRONG_KEY_MESSAGE) from None
        await self.open_barrier(root_key)

    async def open_barrier(self, root_key: bytes) -> None:
        """The stored value may hold two candidates (a root rotation was cut short);
        the keyring opens with exactly one of them."""
        for offset in range(0, len(root_key), aead.KEY_SIZE):
            try:
                await self._barrier.unseal(root_key[offset:offset + aead.KEY_SIZE])
                return
            except InvalidRootKey:
                continue
        raise InvalidRequest(WRONG_KEY_MESSAGE)
