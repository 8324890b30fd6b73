"""sys/rotate/root and sys/rotate/config on the Core: the keyring moves to a new root
key without touching data, a crash between any two of the three writes still unseals
with the same shares, and automatic term rotation follows the config."""

from __future__ import annotations

import pytest

from pyvault.core.core import Core
from pyvault.core.root_rotation import RotationConfig, go_duration
from pyvault.crypto import aead
from pyvault.logical.errors import InvalidRequest
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


async def unsealed(physical: InmemBackend, keys: list[str] | None = None,
                   clock: FakeClock | None = None) -> tuple[Core, list[str]]:
    core = Core(physical, clock=clock or FakeClock())
    await core.open()
    if keys is None:
        keys = [k.hex() for k in (await core.initialize(3, 2)).keys]
    for key in keys[:2]:
        await core.unseal(key)
    assert not core.sealed
    return core, keys


async def test_rotate_root_keeps_data_and_shares() -> None:
    physical = InmemBackend()
    core, keys = await unsealed(physical)
    await core.barrier.put("test/entry", b"payload")
    before = core.barrier.root_key()
    await core.rotation.rotate_root()
    assert core.barrier.root_key() != before
    assert core.barrier.active_term().term == 1  # data keys untouched
    after, _ = await unsealed(physical, keys)
    assert await after.barrier.get("test/entry") == b"payload"
    assert after.barrier.root_key() == core.barrier.root_key()


@pytest.mark.parametrize("steps", [1, 2])
async def test_a_crash_mid_rotation_still_unseals(steps: int) -> None:
    physical = InmemBackend()
    core, keys = await unsealed(physical)
    await core.barrier.put("test/entry", b"payload")
    old, new = core.barrier.root_key(), b"\x07" * aead.KEY_SIZE
    await core.ceremony.store_root_keys(new, old)
    if steps == 2:
        await core.barrier.replace_root_key(new)
    after, _ = await unsealed(physical, keys)  # the process died here
    assert after.barrier.root_key() == (new if steps == 2 else old)
    assert await after.barrier.get("test/entry") == b"payload"


async def test_rotate_root_needs_an_unsealed_vault() -> None:
    physical = InmemBackend()
    core, _ = await unsealed(physical)
    await core.seal()
    with pytest.raises(Exception, match="sealed"):
        await core.rotation.rotate_root()


async def test_config_defaults_limits_and_automatic_rotation() -> None:
    clock = FakeClock()
    core, _ = await unsealed(InmemBackend(), clock=clock)
    assert await core.rotation.read_config() == RotationConfig(True, 3_865_470_566, 0.0)
    with pytest.raises(InvalidRequest, match=r"max_operations must be in the range "
                                             r"\[1000000,3865470566\]"):
        await core.rotation.write_config(RotationConfig(max_operations=10))
    with pytest.raises(InvalidRequest, match="interval must be greater or equal to 24h0m0s"):
        await core.rotation.write_config(RotationConfig(interval=3600))
    await core.rotation.write_config(RotationConfig(interval=86400))
    assert not await core.rotation.check()
    clock.advance(86400)
    assert await core.rotation.check()
    assert core.barrier.active_term().term == 2
    assert not await core.rotation.check()  # the new term is fresh
    await core.rotation.write_config(RotationConfig(enabled=False, interval=86400))
    clock.advance(10 * 86400)
    assert not await core.rotation.check()


def test_go_duration() -> None:
    assert [go_duration(s) for s in (86400, 90061, 59, 61)] == [
        "24h0m0s", "25h1m1s", "59s", "1m1s"]


async def test_the_encryption_count_survives_seal_and_restart() -> None:
    """max_operations counts a key's whole life: the count is persisted at each check
    and on seal, and added back at unseal (a restart used to reset it to zero)."""
    physical = InmemBackend()
    core, keys = await unsealed(physical)
    for index in range(25):
        await core.barrier.put(f"app/{index}", b"x")
    term = core.barrier.active_term().term
    worn = core.barrier.encryptions(term)
    assert worn >= 25
    await core.seal()
    restarted, _ = await unsealed(physical, keys)
    assert restarted.barrier.encryptions(term) >= worn
    await restarted.rotation.check()  # a check persists too
    counted = restarted.barrier.encryptions(term)
    again, _ = await unsealed(physical, keys)  # a crash after the check: nothing lost
    assert again.barrier.encryptions(term) >= counted
