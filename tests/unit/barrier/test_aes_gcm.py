"""The barrier: Vault's entry layout, tamper and move detection, rotation."""

from __future__ import annotations

import struct

import pytest

from pyvault.barrier.aes_gcm import KEYRING_PATH, AESGCMBarrier, BarrierError, InvalidRootKey
from pyvault.crypto.random import SystemRandom
from pyvault.logical.errors import Sealed
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock

ROOT = bytes(32)


async def _barrier() -> tuple[AESGCMBarrier, InmemBackend]:
    physical = InmemBackend()
    await physical.open()
    barrier = AESGCMBarrier(physical, SystemRandom(), FakeClock())
    await barrier.initialize(ROOT)
    await barrier.unseal(ROOT)
    return barrier, physical


async def test_entry_layout_is_term_version_nonce_ciphertext_tag() -> None:
    barrier, physical = await _barrier()
    await barrier.put("secret/a", b"hello")
    raw = await physical.get("secret/a")
    assert raw is not None
    term, version = struct.unpack(">IB", raw[:5])
    assert (term, version) == (1, 2)
    assert len(raw) == 5 + 12 + len(b"hello") + 16
    assert b"hello" not in raw
    assert await barrier.get("secret/a") == b"hello"


async def test_tampered_blob_is_an_error_never_wrong_data() -> None:
    barrier, physical = await _barrier()
    await barrier.put("k", b"value")
    raw = bytearray(await physical.get("k") or b"")
    raw[-1] ^= 1
    await physical.put("k", bytes(raw))
    with pytest.raises(BarrierError):
        await barrier.get("k")


async def test_blob_moved_to_another_key_fails_to_open() -> None:
    barrier, physical = await _barrier()
    await barrier.put("a", b"value")
    await physical.put("b", await physical.get("a") or b"")
    with pytest.raises(BarrierError):
        await barrier.get("b")


async def test_rotation_adds_a_term_and_old_data_stays_readable() -> None:
    barrier, physical = await _barrier()
    await barrier.put("old", b"1")
    term = await barrier.rotate()
    assert term.term == 2
    await barrier.put("new", b"2")
    assert (await physical.get("new") or b"")[:4] == b"\x00\x00\x00\x02"
    assert await barrier.get("old") == b"1"
    barrier.seal()
    await barrier.unseal(ROOT)
    assert barrier.active_term().term == 2
    assert await barrier.get("old") == b"1"
    assert await barrier.get("new") == b"2"


async def test_sealed_barrier_refuses_access() -> None:
    barrier, _ = await _barrier()
    barrier.seal()
    with pytest.raises(Sealed):
        await barrier.get("x")
    with pytest.raises(Sealed):
        await barrier.put("x", b"")


async def test_wrong_root_key_does_not_open_the_keyring() -> None:
    barrier, physical = await _barrier()
    barrier.seal()
    with pytest.raises(InvalidRootKey):
        await barrier.unseal(b"\x01" * 32)
    assert await physical.get(KEYRING_PATH) is not None


async def test_transaction_encrypts_each_put_and_applies_all() -> None:
    barrier, physical = await _barrier()
    await barrier.put("old", b"gone soon")
    await barrier.transaction([("put", "a", b"alpha"), ("put", "b", b"beta"),
                               ("delete", "old", None)])
    for key, plain in (("a", b"alpha"), ("b", b"beta")):
        raw = await physical.get(key)
        assert raw is not None and plain not in raw
        assert await barrier.get(key) == plain
    assert await physical.get("old") is None
    assert barrier.encryptions(barrier.active_term().term) == 3


async def test_transaction_needs_the_barrier_unsealed() -> None:
    barrier, physical = await _barrier()
    barrier.seal()
    with pytest.raises(Sealed):
        await barrier.transaction([("put", "a", b"x")])
    assert await physical.get("a") is None
