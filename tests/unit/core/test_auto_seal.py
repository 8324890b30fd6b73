"""The Core under an auto seal (a real SoftHSM2 token): init hands out recovery keys
and unseals at once; a restart unseals with no operator; recovery keys unseal after
sys/seal, authorise generate-root and both rekeys; without the HSM nothing opens."""

from __future__ import annotations

import pytest

from pyvault.core.core import Core
from pyvault.core.generate_root import xor_decode
from pyvault.core.rekey import RekeyRequest
from pyvault.logical.errors import InvalidRequest
from pyvault.physical.inmem import InmemBackend
from pyvault.seal.pkcs11 import PKCS11Options, PKCS11Seal
from pyvault.util.clock import FakeClock
from tests.softhsm import SoftHSMToken, token

MISMATCH = "recovery key does not match submitted values"

__all__ = ["token"]  # the fixture


async def started(physical: InmemBackend, token: SoftHSMToken) -> Core:
    seal = PKCS11Seal(PKCS11Options.from_block(token.options()))
    core = Core(physical, clock=FakeClock(), seal=seal)
    await core.open()
    await core.auto_unseal()
    return core


async def initialized(token: SoftHSMToken, shares: int = 3,
                      threshold: int = 2) -> tuple[InmemBackend, Core, list[bytes], str]:
    physical = InmemBackend()
    core = await started(physical, token)
    status = await core.seal_status()
    assert (status.type, status.recovery_seal, status.initialized) == ("pkcs11", True, False)
    result = await core.initialize(0, 0, recovery_shares=shares, recovery_threshold=threshold)
    assert result.keys == [] and len(result.recovery_keys) == shares
    return physical, core, result.recovery_keys, result.root_token


async def test_init_unseals_and_a_restart_needs_no_operator(token: SoftHSMToken) -> None:
    physical, core, _, root = await initialized(token)
    assert not core.sealed  # as Vault: an auto-sealed vault opens itself after init
    status = await core.seal_status()
    assert (status.threshold, status.shares, status.sealed) == (2, 3, False)
    assert await core.tokens.lookup(root) is not None
    await core.close()

    again = await started(physical, token)
    assert not again.sealed
    assert await again.tokens.lookup(root) is not None
    await again.close()


async def test_without_the_hsm_token_the_vault_stays_sealed(token: SoftHSMToken) -> None:
    physical, core, recovery, _ = await initialized(token)
    await core.close()
    token.remove()
    again = await started(physical, token)
    assert again.sealed and not await again.auto_unseal()
    # Recovery keys alone do not open it either: the seal holds the root key.
    await again.unseal(recovery[0].hex())
    with pytest.raises(Exception) as caught:
        await again.unseal(recovery[1].hex())
    assert getattr(caught.value, "status", 0) == 500
    assert again.sealed


async def test_recovery_keys_unseal_after_an_explicit_seal(token: SoftHSMToken) -> None:
    _, core, recovery, _ = await initialized(token)
    await core.seal()
    assert core.sealed
    first = await core.unseal(recovery[0].hex())
    assert (first.progress, first.threshold, first.sealed) == (1, 2, True)
    await core.unseal(recovery[2].hex())
    assert not core.sealed


async def test_wrong_recovery_keys_are_refused_at_unseal(token: SoftHSMToken) -> None:
    _, core, recovery, _ = await initialized(token, shares=1, threshold=1)
    _, _, other_recovery, _ = await initialized(token, shares=1, threshold=1)
    await core.seal()
    with pytest.raises(InvalidRequest, match="failed to verify recovery key: " + MISMATCH):
        await core.unseal(other_recovery[0].hex())
    assert core.sealed
    await core.unseal(recovery[0].hex())
    assert not core.sealed


async def test_generate_root_takes_recovery_keys(token: SoftHSMToken) -> None:
    _, core, recovery, _ = await initialized(token)
    started_ = await core.root_generation.start("", "")
    assert started_["required"] == 2
    nonce, otp = started_["nonce"], started_["otp"]
    await core.root_generation.update(recovery[0], nonce)
    done = await core.root_generation.update(recovery[1], nonce)
    token_id = xor_decode(done["encoded_token"], otp)
    entry = await core.tokens.lookup(token_id)
    assert entry is not None and entry.policies == ["root"]


async def test_generate_root_refuses_wrong_recovery_keys(token: SoftHSMToken) -> None:
    _, core, recovery, _ = await initialized(token)
    nonce = (await core.root_generation.start("", ""))["nonce"]
    await core.root_generation.update(recovery[0], nonce)
    forged = bytes([recovery[1][0] ^ 1]) + recovery[1][1:]
    with pytest.raises(InvalidRequest, match="unable to authenticate: recovery key verif"):
        await core.root_generation.update(forged, nonce)


async def test_recovery_rekey_replaces_the_recovery_keys(token: SoftHSMToken) -> None:
    _, core, old, _ = await initialized(token)
    rekey = core.rekey.recovery
    assert rekey is not None
    begun = await rekey.start(RekeyRequest(secret_shares=5, secret_threshold=3))
    assert (begun["t"], begun["n"], begun["required"]) == (3, 5, 2)
    await rekey.update(old[0], begun["nonce"])
    done = await rekey.update(old[1], begun["nonce"])
    new = [bytes.fromhex(k) for k in done["keys"]]
    assert done["complete"] and len(new) == 5
    assert (await core.seal_status()).threshold == 3
    await core.seal()
    await core.unseal(old[0].hex())
    await core.unseal(old[1].hex())
    with pytest.raises(InvalidRequest, match=MISMATCH):
        await core.unseal(old[2].hex())
    for key in new[:3]:
        await core.unseal(key.hex())
    assert not core.sealed


async def test_recovery_rekey_refuses_wrong_shares(token: SoftHSMToken) -> None:
    _, core, old, _ = await initialized(token, shares=1, threshold=1)
    rekey = core.rekey.recovery
    assert rekey is not None
    nonce = (await rekey.start(RekeyRequest(secret_shares=1, secret_threshold=1)))["nonce"]
    with pytest.raises(InvalidRequest, match="^recovery key verification failed: " + MISMATCH):
        await rekey.update(bytes(33), nonce)
    assert (await rekey.status())["progress"] == 0  # the attempt stays, emptied
    await rekey.cancel(nonce)
    with pytest.raises(InvalidRequest, match="no recovery rekey in progress"):
        await rekey.update(old[0], "")


async def test_barrier_rekey_with_recovery_keys_makes_a_new_root_key(
    token: SoftHSMToken,
) -> None:
    physical, core, recovery, root = await initialized(token)
    before = core.barrier.root_key()
    with pytest.raises(InvalidRequest, match="requiring verification not supported"):
        await core.rekey.start(RekeyRequest(1, 1, require_verification=True))
    with pytest.raises(InvalidRequest, match="PGP key encryption not supported"):
        await core.rekey.start(RekeyRequest(1, 1, pgp_keys=["x"]))
    begun = await core.rekey.start(RekeyRequest(secret_shares=3, secret_threshold=2))
    assert (begun["t"], begun["n"], begun["required"]) == (0, 0, 2)
    await core.rekey.update(recovery[0], begun["nonce"])
    done = await core.rekey.update(recovery[1], begun["nonce"])
    assert (done["complete"], done["keys"], done["keys_base64"]) == (True, [], [])
    assert core.barrier.root_key() != before
    await core.close()
    again = await started(physical, token)
    assert not again.sealed and await again.tokens.lookup(root) is not None


async def test_no_recovery_keys_at_all(token: SoftHSMToken) -> None:
    physical = InmemBackend()
    core = await started(physical, token)
    result = await core.initialize(0, 0)
    assert result.recovery_keys == [] and not core.sealed
    status = await core.seal_status()
    assert (status.threshold, status.shares) == (0, 0)


async def test_storage_of_a_shamir_vault_is_not_opened_by_a_seal(token: SoftHSMToken) -> None:
    """The HSM does not open a Shamir vault by itself: that is a pending seal
    migration, which only the operators' -migrate unseal performs."""
    physical = InmemBackend()
    shamir = Core(physical, clock=FakeClock())
    await shamir.open()
    result = await shamir.initialize(1, 1)
    await shamir.close()
    core = await started(physical, token)
    assert core.sealed and (await core.seal_status()).migration
    with pytest.raises(InvalidRequest, match="seal migration is pending"):
        await core.unseal(result.keys[0].hex())
    await core.unseal(result.keys[0].hex(), migrate=True)
    assert not core.sealed and not (await core.seal_status()).migration
    await core.close()
    assert not (await started(physical, token)).sealed


async def test_a_second_node_reopens_after_the_root_key_changed(token: SoftHSMToken) -> None:
    """A standby taking over re-reads the root key through the seal, so a barrier
    rekey (new root key) on the old active node does not lock it out."""
    physical, active, recovery, _root = await initialized(token)
    standby = await started(physical, token)
    assert not standby.sealed
    begun = await active.rekey.start(RekeyRequest(1, 1))
    await active.rekey.update(recovery[0], begun["nonce"])
    await active.rekey.update(recovery[1], begun["nonce"])
    await standby.ceremony.reopen_barrier()
    assert standby.barrier.root_key() == active.barrier.root_key()
