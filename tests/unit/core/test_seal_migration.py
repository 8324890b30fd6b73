"""Seal migration on the Core (Vault's ``operator unseal -migrate``): Shamir → auto,
auto → Shamir and auto → auto, with the checks, the words and the crash safety.

The seals here are in-memory AES-GCM stand-ins (``KeySeal``), so every direction and
failure can be driven; tests/integration/test_seal_migration.py does the same with
SoftHSM2 through a real server and the bao CLI, compat-tests/test_seal_migration.py
with transit against the reference."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pyvault.core.core import Core, CoreConfig
from pyvault.core.seal_config import RECOVERY_CONFIG_PATH, SEAL_CONFIG_PATH
from pyvault.core.seal_migration import MIGRATE_REQUIRED, NO_MIGRATION, SealMigrationError
from pyvault.core.shamir_seal import ROOT_KEY_PATH
from pyvault.logical.errors import InternalError, InvalidRequest
from pyvault.physical.inmem import InmemBackend
from pyvault.physical.inmem_ha import InmemHABackend
from pyvault.physical.protocol import TxnOp
from pyvault.seal.protocol import SealError
from pyvault.util.clock import FakeClock

SECRET_PATH = "logical/app/secret"
SECRET = b"launch-code-4c1d"


class KeySeal:
    """An auto seal holding one AES key in memory; ``reachable = False`` makes it
    fail as an unplugged HSM would."""

    def __init__(self, seal_type: str = "pkcs11", key: bytes | None = None) -> None:
        self.seal_type = seal_type
        self._key = key or AESGCM.generate_key(256)
        self.reachable = True

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        if not self.reachable:
            raise SealError(f"{self.seal_type}: not reachable")
        nonce = os.urandom(12)
        return nonce + AESGCM(self._key).encrypt(nonce, plaintext, aad)

    async def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        if not self.reachable:
            raise SealError(f"{self.seal_type}: not reachable")
        try:
            return AESGCM(self._key).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise SealError(f"{self.seal_type}: the key does not open this blob") from None


class FailingCommits(InmemBackend):
    """Storage whose transactions fail while ``failing`` is set (a crash mid-commit:
    nothing of the transaction lands)."""

    failing = False

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        if self.failing:
            raise OSError("disk gone")
        await super().transaction(ops)


async def core_on(physical: InmemBackend, seal: KeySeal | None = None,
                  unwrap: KeySeal | None = None) -> Core:
    core = Core(physical, clock=FakeClock(), seal=seal, unwrap_seal=unwrap)  # type: ignore[arg-type]
    await core.open()
    await core.auto_unseal()
    return core


async def shamir_vault(physical: InmemBackend) -> list[str]:
    """A Shamir vault (3 shares, threshold 2) holding one secret; returns the shares."""
    core = await core_on(physical)
    result = await core.initialize(3, 2)
    shares = [key.hex() for key in result.keys]
    for share in shares[:2]:
        await core.unseal(share)
    await core.barrier.put(SECRET_PATH, SECRET)
    await core.close()
    return shares


async def auto_vault(physical: InmemBackend, seal: KeySeal) -> list[str]:
    """An auto-sealed vault (3 recovery shares, threshold 2) holding one secret."""
    core = await core_on(physical, seal)
    result = await core.initialize(0, 0, recovery_shares=3, recovery_threshold=2)
    await core.barrier.put(SECRET_PATH, SECRET)
    await core.close()
    return [key.hex() for key in result.recovery_keys]


async def migrate(core: Core, shares: list[str]) -> None:
    for share in shares:
        await core.unseal(share, migrate=True)
    assert not core.sealed


async def test_shamir_to_auto_seal() -> None:
    physical, seal = InmemBackend(), KeySeal()
    shares = await shamir_vault(physical)
    core = await core_on(physical, seal)
    status = await core.seal_status()
    assert core.sealed  # pending: the new seal does not open it by itself
    assert (status.type, status.recovery_seal, status.migration) == ("pkcs11", True, True)
    assert (status.threshold, status.shares) == (2, 3)  # the shares the operators hold
    with pytest.raises(InvalidRequest, match=MIGRATE_REQUIRED):
        await core.unseal(shares[0])
    old_wrapped = await physical.get(ROOT_KEY_PATH)
    await migrate(core, shares[:2])
    status = await core.seal_status()
    assert (status.migration, status.type, status.threshold, status.shares) == (
        False, "pkcs11", 2, 3)
    assert await core.barrier.get(SECRET_PATH) == SECRET
    # A new root key, wrapped by the seal: old storage plus old shares open nothing new.
    assert await physical.get(ROOT_KEY_PATH) != old_wrapped
    await core.close()

    again = await core_on(physical, seal)
    assert not again.sealed  # the seal unseals it now, no operator
    assert await again.barrier.get(SECRET_PATH) == SECRET
    await again.seal()
    for share in shares[1:]:  # the old unseal shares are the recovery shares now
        await again.unseal(share)
    assert not again.sealed
    await again.close()

    with pytest.raises(SealMigrationError, match='from "pkcs11" to Shamir, no disabled seal'):
        await core_on(physical)


async def test_auto_seal_to_shamir() -> None:
    physical, seal = InmemBackend(), KeySeal()
    recovery = await auto_vault(physical, seal)
    core = await core_on(physical, seal=None, unwrap=seal)
    status = await core.seal_status()
    assert core.sealed
    assert (status.type, status.recovery_seal, status.migration) == ("shamir", False, True)
    assert (status.threshold, status.shares) == (2, 3)
    tampered = bytearray(bytes.fromhex(recovery[1]))
    tampered[0] ^= 0xFF  # same x coordinate, another y: combines to a wrong key
    await core.unseal(recovery[0], migrate=True)
    with pytest.raises(InvalidRequest, match="recovery key does not match"):
        await core.unseal(tampered.hex(), migrate=True)
    assert core.sealed
    await migrate(core, recovery[1:])
    assert await core.barrier.get(SECRET_PATH) == SECRET
    assert await physical.get(RECOVERY_CONFIG_PATH) is None
    # The Shamir vault works as any: its root key rotates under the new unseal key.
    await core.rotation.rotate_root()
    await core.close()

    plain = await core_on(physical)  # no seal block at all any more
    assert plain.sealed and not (await plain.seal_status()).migration
    for share in recovery[:2]:  # the recovery shares are the unseal shares now
        await plain.unseal(share)
    assert await plain.barrier.get(SECRET_PATH) == SECRET
    await plain.close()


async def test_auto_seal_to_another_auto_seal_of_the_same_type() -> None:
    physical, old, new = InmemBackend(), KeySeal("transit"), KeySeal("transit")
    recovery = await auto_vault(physical, old)
    core = await core_on(physical, seal=new, unwrap=old)
    assert core.sealed and (await core.seal_status()).migration
    await migrate(core, recovery[:2])
    assert not (await core.seal_status()).migration
    await core.close()
    again = await core_on(physical, new)
    assert not again.sealed and await again.barrier.get(SECRET_PATH) == SECRET
    await again.seal()
    for share in recovery[:2]:  # recovery shares unchanged, now checked by the new seal
        await again.unseal(share)
    assert not again.sealed
    await again.close()
    # The old key opens nothing any more.
    assert (await core_on(physical, old)).sealed


async def test_a_finished_migration_with_the_old_block_still_configured() -> None:
    """The disabled block left in the config after the migration: no migration
    mode, the new seal unseals at start (Vault's IsSealMigrated)."""
    physical, old, new = InmemBackend(), KeySeal("pkcs11"), KeySeal("transit")
    recovery = await auto_vault(physical, old)
    core = await core_on(physical, seal=new, unwrap=old)
    await migrate(core, recovery[:2])
    await core.close()
    again = await core_on(physical, seal=new, unwrap=old)
    assert not again.sealed and not (await again.seal_status()).migration
    await again.close()


async def test_migrate_flag_without_a_migration_is_refused() -> None:
    physical = InmemBackend()
    shares = await shamir_vault(physical)
    core = await core_on(physical)
    assert not (await core.seal_status()).migration
    with pytest.raises(InvalidRequest, match=NO_MIGRATION) as refused:
        await core.unseal(shares[0], migrate=True)
    assert refused.value.status == 400  # Vault answers 500 for this caller mistake
    await core.unseal(shares[0])
    await core.unseal(shares[1])
    assert not core.sealed


@pytest.mark.parametrize(
    ("stored", "seal", "unwrap", "message"),
    [
        ("pkcs11", None, None, 'cannot seal migrate from "pkcs11" to Shamir'),
        ("pkcs11", "transit", None,
         'cannot seal migrate from "pkcs11" to "transit", no disabled seal'),
        ("pkcs11", "transit", "transit", 'storage is sealed by "pkcs11"'),
    ],
)
async def test_seals_that_cannot_open_the_storage_are_refused_at_start(
    stored: str, seal: str | None, unwrap: str | None, message: str
) -> None:
    physical = InmemBackend()
    await auto_vault(physical, KeySeal(stored))
    with pytest.raises(SealMigrationError, match=message):
        await core_on(physical, seal=KeySeal(seal) if seal else None,
                      unwrap=KeySeal(unwrap) if unwrap else None)


async def test_recovery_config_missing_is_refused() -> None:
    physical = InmemBackend()
    await auto_vault(physical, KeySeal())
    await physical.delete(RECOVERY_CONFIG_PATH)
    with pytest.raises(SealMigrationError, match="recovery seal configuration not found"):
        await core_on(physical, seal=None, unwrap=KeySeal())


async def test_an_unreachable_new_seal_leaves_the_old_one_in_charge() -> None:
    physical, seal = InmemBackend(), KeySeal()
    shares = await shamir_vault(physical)
    core = await core_on(physical, seal)
    seal.reachable = False
    await core.unseal(shares[0], migrate=True)
    with pytest.raises(InternalError, match="failed to wrap the keys with the new seal") as failed:
        await core.unseal(shares[1], migrate=True)
    assert failed.value.status == 500
    assert core.sealed and (await core.seal_status()).migration
    seal.reachable = True
    await migrate(core, shares[:2])  # same shares, once the seal answers
    assert await core.barrier.get(SECRET_PATH) == SECRET
    await core.close()


async def test_a_failed_commit_changes_nothing() -> None:
    """The keys, configs and re-wrapped keyring land in one transaction: when it
    fails the storage is exactly as before and the old shares still work."""
    physical, seal = FailingCommits(), KeySeal()
    shares = await shamir_vault(physical)
    before = {path: await physical.get(path)
              for path in (ROOT_KEY_PATH, SEAL_CONFIG_PATH, "core/keyring")}
    core = await core_on(physical, seal)
    physical.failing = True
    await core.unseal(shares[0], migrate=True)
    with pytest.raises(OSError):
        await core.unseal(shares[1], migrate=True)
    assert core.sealed
    assert {path: await physical.get(path) for path in before} == before
    assert await physical.get(RECOVERY_CONFIG_PATH) is None
    physical.failing = False
    await migrate(core, shares[1:])
    assert await core.barrier.get(SECRET_PATH) == SECRET
    await core.close()


async def test_with_ha_the_node_migrates_when_it_becomes_active() -> None:
    shared = InmemHABackend(lease=0.6, renew_interval=0.1, retry_interval=0.05)
    seal = KeySeal()
    shares = await shamir_vault(shared.node())  # type: ignore[arg-type]
    node = shared.node()
    config = CoreConfig(api_addr="http://a:8200", cluster_addr="https://a:8201")
    core = Core(node, config, clock=FakeClock(), ha_backend=node,
                seal=seal)  # type: ignore[arg-type]
    await core.open()
    assert (await core.seal_status()).migration
    for share in shares[:2]:
        await core.unseal(share, migrate=True)
    for _ in range(200):
        if core.ha is not None and core.ha.active and not core.standby:
            break
        await asyncio.sleep(0.02)
    assert core.ha is not None and core.ha.active
    assert not (await core.seal_status()).migration
    assert await core.barrier.get(SECRET_PATH) == SECRET
    await core.close()
    again = Core(shared.node(), config, clock=FakeClock(), seal=seal)  # type: ignore[arg-type]
    await again.open()
    assert await again.auto_unseal()
    await again.close()
