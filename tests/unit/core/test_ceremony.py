"""Init, unseal and seal on the Core directly: Vault's rules, Vault's words."""

from __future__ import annotations

import base64
import os

import pytest

from pyvault.core.core import Core
from pyvault.logical.errors import InvalidRequest, PermissionDenied, Sealed
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


async def new_core(physical: InmemBackend | None = None) -> Core:
    core = Core(physical or InmemBackend(), clock=FakeClock())
    await core.open()
    return core


async def initialised(shares: int = 5, threshold: int = 3) -> tuple[Core, list[str], str]:
    core = await new_core()
    result = await core.initialize(shares, threshold)
    return core, [k.hex() for k in result.keys], result.root_token


@pytest.mark.parametrize(
    ("shares", "threshold", "message"),
    [
        (0, 0, "shares must be at least one"),
        (5, 0, "threshold must be at least one"),
        (3, 5, "threshold cannot be larger than shares"),
        (256, 3, "shares must be less than 256"),
        (5, 1, "threshold must be greater than one for multiple shares"),
    ],
)
async def test_invalid_seal_configuration(shares: int, threshold: int, message: str) -> None:
    core = await new_core()
    with pytest.raises(InvalidRequest, match=message):
        await core.initialize(shares, threshold)
    assert not await core.initialized()


async def test_init_leaves_the_vault_sealed_and_refuses_a_second_init() -> None:
    core, keys, root = await initialised()
    assert len(keys) == 5 and all(len(k) == 66 for k in keys)
    assert root.startswith("hvs.") and len(root) == 28
    status = await core.seal_status()
    assert (status.sealed, status.threshold, status.shares, status.progress) == (True, 3, 5, 0)
    with pytest.raises(InvalidRequest, match="Vault is already initialized"):
        await core.initialize(5, 3)


async def test_single_share_is_the_raw_key() -> None:
    core, keys, _ = await initialised(1, 1)
    assert len(keys[0]) == 64
    status = await core.unseal(keys[0])
    assert status.sealed is False


async def test_progress_nonce_duplicates_and_mixed_encodings() -> None:
    core, keys, _ = await initialised()
    first = await core.unseal(keys[0])
    assert first.progress == 1 and first.nonce
    again = await core.unseal(base64.b64encode(bytes.fromhex(keys[0])).decode())
    assert again.progress == 1 and again.nonce == first.nonce  # same share: ignored
    second = await core.unseal(base64.b64encode(bytes.fromhex(keys[3])).decode())
    assert second.progress == 2
    done = await core.unseal(keys[4])
    assert (done.sealed, done.progress, done.nonce) == (False, 0, "")
    assert done.cluster_name.startswith("vault-cluster-")


async def test_reset_clears_progress_and_is_refused_when_unsealed() -> None:
    core, keys, _ = await initialised()
    await core.unseal(keys[0])
    status = await core.unseal(None, reset=True)
    assert (status.progress, status.nonce) == (0, "")
    for key in keys[:3]:
        await core.unseal(key)
    with pytest.raises(InvalidRequest, match="vault is unsealed"):
        await core.unseal(None, reset=True)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "'key' must be specified"),
        ("zz", "'key' must be a valid hex or base64 string"),
        ("3150868ac6", "'key' must be a valid hex or base64 string"),
        ("abcd", "invalid key: key is shorter than minimum 16 bytes"),
        ("ab" * 40, "invalid key: key is longer than maximum 33 bytes"),
    ],
)
async def test_malformed_keys(key: str, message: str) -> None:
    core, keys, _ = await initialised()
    await core.unseal(keys[0])
    with pytest.raises(InvalidRequest, match=message):
        await core.unseal(key)
    assert (await core.seal_status()).progress == 1  # a malformed key costs no progress


async def test_wrong_share_fails_at_threshold_and_resets_progress() -> None:
    core, keys, _ = await initialised()
    await core.unseal(keys[0])
    await core.unseal(keys[1])
    # A real share with one value byte changed: its x coordinate stays unique, so the
    # combination succeeds and yields a wrong key (a random share could repeat an x).
    forged = bytearray(bytes.fromhex(keys[2]))
    forged[0] ^= 0x01
    with pytest.raises(InvalidRequest, match="unable to retrieve stored keys"):
        await core.unseal(bytes(forged).hex())
    status = await core.seal_status()
    assert (status.sealed, status.progress) == (True, 0)


async def test_shares_of_different_lengths() -> None:
    core, keys, _ = await initialised()
    await core.unseal(keys[0])
    await core.unseal(os.urandom(16).hex())
    with pytest.raises(InvalidRequest, match="all parts must be the same length"):
        await core.unseal(os.urandom(16).hex())


async def test_unseal_before_init() -> None:
    core = await new_core()
    with pytest.raises(InvalidRequest, match="Vault is not initialized"):
        await core.unseal("ab" * 33)


async def test_restart_keeps_data_and_root_token_but_not_progress() -> None:
    physical = InmemBackend()
    core = await new_core(physical)
    result = await core.initialize(3, 2)
    keys = [k.hex() for k in result.keys]
    await core.unseal(keys[0])
    restarted = await new_core(physical)
    assert (await restarted.seal_status()).progress == 0
    for key in keys[1:]:
        await restarted.unseal(key)
    request = Request(operation=Operation.READ, path="sys/key-status",
                      client_token=result.root_token)
    response = await restarted.handle(request)
    assert response is not None and response.data is not None
    assert response.data["term"] == 1
    with pytest.raises(PermissionDenied):
        await restarted.handle(Request(operation=Operation.READ, path="sys/key-status",
                                       client_token="hvs.nope"))
    await restarted.seal()
    with pytest.raises(Sealed):
        await restarted.handle(request)
