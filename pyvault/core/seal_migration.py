"""Seal migration: move the stored keys from one seal to another (Vault's
``vault operator unseal -migrate``), Shamir ↔ auto seal or auto seal → auto seal.

The server config names the new seal; the old one is either Shamir (nothing to
configure: storage says so) or a seal block marked ``disabled = "true"``. While the
migration is pending the vault does not auto-unseal; the operators unseal with
``migrate`` and the shares they already hold (unseal keys for an old Shamir seal,
recovery keys for an old auto seal). Once the barrier is open the keys move, in
one storage transaction, so a crash leaves either the old seal or the new one in
charge, never half of each:

- Shamir → auto: the combined unseal key becomes the recovery key (so the old
  shares keep working, as recovery shares); a *new* root key is made and wrapped by
  the new seal, so old storage plus the old shares open nothing current.
- auto → Shamir: the recovery key becomes the unseal key (the recovery shares
  become unseal shares); the root key is wrapped under it.
- auto → auto: root key and recovery key are re-wrapped by the new seal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pyvault.core.recovery import RECOVERY_KEY_PATH, AutoSealKeys, seal_failure
from pyvault.core.seal_config import RECOVERY_CONFIG_PATH, SEAL_CONFIG_PATH, SealConfig
from pyvault.core.shamir_seal import ROOT_KEY_PATH, ShamirSeal
from pyvault.crypto import aead
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import InvalidRequest, VaultError
from pyvault.physical.protocol import PhysicalBackend, TxnOp
from pyvault.seal.protocol import SealError

log = logging.getLogger("pyvault.core")

NO_MIGRATION = "can't perform a seal migration, no migration seal found"
MIGRATE_REQUIRED = "migrate option not provided and seal migration is pending"


class SealMigrationError(ValueError):
    """The configured seals cannot open this storage (a config error at start)."""


@dataclass(slots=True)
class SealMigration:
    """From ``old`` (None: Shamir) to ``new`` (None: Shamir). ``key`` is the key
    the operators' shares combined to — the old unseal key or recovery key — held
    only from the ``-migrate`` unseal until the migration is done."""

    physical: PhysicalBackend
    old: AutoSealKeys | None
    new: AutoSealKeys | None
    key: bytes | None = field(default=None, repr=False)
    _done: bool = False

    @property
    def old_type(self) -> str:
        return self.old.seal.seal_type if self.old is not None else "shamir"

    @property
    def new_type(self) -> str:
        return self.new.seal.seal_type if self.new is not None else "shamir"

    async def done(self) -> bool:
        """True once storage is in the new seal's hands (Vault's sealMigrated): the
        seal config names the new type; for the same type on both sides (two HSM
        keys, two transit keys) only trying the new seal can tell."""
        if self._done:
            return True
        raw = await self.physical.get(SEAL_CONFIG_PATH)
        if raw is None or SealConfig.deserialize(raw).type != self.new_type:
            return False
        if self.new is not None and await self.physical.get(RECOVERY_CONFIG_PATH) is None:
            return False
        if self.old_type != self.new_type:
            self._done = True
            return True
        assert self.new is not None and self.old is not None
        try:
            await self.new.root_key()
        except SealError as new_error:
            try:
                await self.old.root_key()
            except SealError as old_error:
                raise InvalidRequest(
                    "neither the old nor new seal can read stored keys: old seal "
                    f"err={old_error}, new seal err={new_error}"
                ) from None
            return False
        self._done = True
        return True

    async def operator_config(self) -> SealConfig | None:
        """The shares the operators hold until the migration is done: unseal keys of
        an old Shamir seal, recovery keys of an old auto seal."""
        if self.old is not None:
            return await self.old.config()
        raw = await self.physical.get(SEAL_CONFIG_PATH)
        return None if raw is None else SealConfig.deserialize(raw)

    async def old_root_key(self, key: bytes, shamir: ShamirSeal) -> bytes:
        """The root key through the old seal, once ``key`` is proven (the unseal
        key opens it; a recovery key is checked against the stored one)."""
        if self.old is None:
            return await shamir.open_root_key(key)
        await self.old.check(key)
        try:
            return await self.old.root_key()
        except SealError as exc:
            raise seal_failure("failed to unwrap the root key with the old seal", exc) from None

    async def ops(self, root_key: bytes, random: RandomSource) -> tuple[list[TxnOp], bytes]:
        """The storage writes that hand the keys to the new seal, and the root key the
        keyring must be wrapped with afterwards (new only for Shamir → auto)."""
        key = self.key
        if key is None:
            raise InvalidRequest("seal migration needs the operators' key")
        old_config = await self.operator_config()
        if old_config is None:
            raise InvalidRequest("Vault is not initialized")
        if self.new is None:  # auto → Shamir: the recovery key now unseals
            blob = ShamirSeal.wrap_root_key(key, root_key, random)
            unseal = SealConfig("shamir", old_config.secret_shares, old_config.secret_threshold)
            return [
                ("put", ROOT_KEY_PATH, blob),
                ("put", SEAL_CONFIG_PATH, unseal.serialize()),
                ("delete", RECOVERY_CONFIG_PATH, None),
                ("delete", RECOVERY_KEY_PATH, None),
            ], root_key
        if self.old is None:  # Shamir → auto: a new root key, the unseal key recovers
            root_key = random.bytes(aead.KEY_SIZE)
            recovery = SealConfig("shamir", old_config.secret_shares,
                                  old_config.secret_threshold)
        else:  # auto → auto: same keys, new wrapping
            recovery = old_config
        try:
            ops: list[TxnOp] = [
                ("put", ROOT_KEY_PATH, await self.new.wrapped(ROOT_KEY_PATH, root_key)),
                ("put", RECOVERY_KEY_PATH, await self.new.wrapped(RECOVERY_KEY_PATH, key)),
            ]
        except SealError as exc:
            raise seal_failure("failed to wrap the keys with the new seal", exc) from None
        ops += [
            ("put", RECOVERY_CONFIG_PATH, recovery.serialize()),
            ("put", SEAL_CONFIG_PATH, SealConfig(self.new_type, 1, 1).serialize()),
        ]
        return ops, root_key

    def finish(self) -> None:
        """The new seal is in charge (moved here or by another node): forget the key."""
        self._done = True
        self.key = None
        if self.new is not None:
            self.new.forget()


async def plan_migration(
    physical: PhysicalBackend, new: AutoSealKeys | None, unwrap: AutoSealKeys | None
) -> SealMigration | None:
    """Vault's adjustForSealMigration: whether the configured seals mean a migration,
    refusing the combinations that cannot work."""
    raw = await physical.get(SEAL_CONFIG_PATH)
    if raw is None:
        return None  # not initialised: init uses the enabled seal
    stored = SealConfig.deserialize(raw).type
    new_type = new.seal.seal_type if new is not None else "shamir"
    if unwrap is None:
        if stored == new_type:
            return None
        if new is None:
            raise SealMigrationError(
                f'cannot seal migrate from "{stored}" to Shamir, no disabled seal in '
                "configuration"
            )
        if stored != "shamir":
            raise SealMigrationError(
                f'cannot seal migrate from "{stored}" to "{new_type}", no disabled seal in '
                "configuration"
            )
    elif stored not in (unwrap.seal.seal_type, new_type):
        raise SealMigrationError(
            f'storage is sealed by "{stored}", but the seals configured are '
            f'"{new_type}" and "{unwrap.seal.seal_type}" (disabled)'
        )
    if stored != "shamir" and await physical.get(RECOVERY_CONFIG_PATH) is None:
        raise SealMigrationError("recovery seal configuration not found for existing seal")
    migration = SealMigration(physical, old=unwrap, new=new)
    if not await _quietly_done(migration):
        log.warning(
            "entering seal migration mode from %s to %s; the vault will not "
            "unseal itself: unseal with -migrate", migration.old_type, migration.new_type,
        )
    return migration


async def _quietly_done(migration: SealMigration) -> bool:
    """At start the seals may not answer yet; then the migration counts as pending."""
    try:
        return await migration.done()
    except VaultError:
        return False
