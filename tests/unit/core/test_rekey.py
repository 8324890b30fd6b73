"""Rekey on the Core: old shares stop working the moment it completes, progress is
memory-only, the cancel needs the nonce while the attempt is young (CVE-2025-4656)."""

from __future__ import annotations

import os

import pytest

from pyvault.core.core import Core
from pyvault.core.rekey import RekeyRequest
from pyvault.core.share_progress import decode_share
from pyvault.logical.errors import InvalidRequest
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


async def unsealed(physical: InmemBackend | None = None, clock: FakeClock | None = None,
                   shares: int = 3, threshold: int = 2) -> tuple[Core, list[bytes]]:
    core = Core(physical or InmemBackend(), clock=clock or FakeClock())
    await core.open()
    result = await core.initialize(shares, threshold)
    for key in result.keys[:threshold]:
        await core.unseal(key.hex())
    assert not core.sealed
    return core, list(result.keys)


async def restarted(physical: InmemBackend) -> Core:
    core = Core(physical, clock=FakeClock())
    await core.open()
    return core


async def rekey(core: Core, old: list[bytes], request: RekeyRequest) -> dict[str, object]:
    nonce = str((await core.rekey.start(request))["nonce"])
    answer: dict[str, object] = {}
    for key in old:
        answer = await core.rekey.update(key, nonce)
        if answer.get("complete"):
            break
    return answer


async def test_rekey_replaces_the_shares_and_old_ones_stop_working() -> None:
    physical = InmemBackend()
    core, old = await unsealed(physical)
    status = await core.rekey.status()
    assert (status["started"], status["nonce"], status["required"]) == (False, "", 2)
    done = await rekey(core, old[:2], RekeyRequest(secret_shares=5, secret_threshold=3))
    assert done["complete"] is True and done["verification_required"] is False
    new = [bytes.fromhex(k) for k in done["keys"]]  # type: ignore[attr-defined]
    assert len(new) == 5 and all(len(k) == 33 for k in new)
    assert (await core.rekey.status())["started"] is False
    assert (await core.seal_status()).threshold == 3

    after = await restarted(physical)
    assert (await after.seal_status()).shares == 5
    await after.unseal(old[0].hex())
    await after.unseal(old[1].hex())
    with pytest.raises(InvalidRequest, match="unable to retrieve stored keys"):
        await after.unseal(old[2].hex())
    for key in new[2:]:
        await after.unseal(key.hex())
    assert not after.sealed


async def test_update_checks_nonce_duplicates_and_wrong_shares() -> None:
    core, old = await unsealed()
    with pytest.raises(InvalidRequest, match="no barrier rekey in progress"):
        await core.rekey.update(old[0], "x")
    started = await core.rekey.start(RekeyRequest(secret_shares=3, secret_threshold=2))
    nonce = str(started["nonce"])
    with pytest.raises(InvalidRequest, match="rekey already in progress"):
        await core.rekey.start(RekeyRequest(secret_shares=3, secret_threshold=2))
    with pytest.raises(InvalidRequest, match="incorrect nonce supplied"):
        await core.rekey.update(old[0], "")
    assert (await core.rekey.update(old[0], nonce))["progress"] == 1
    with pytest.raises(InvalidRequest, match="already been provided"):
        await core.rekey.update(old[0], nonce)
    forged = os.urandom(32) + bytes([old[0][-1] ^ 0xFF or 1])
    with pytest.raises(InvalidRequest, match="failed to read root key"):
        await core.rekey.update(forged, nonce)
    status = await core.rekey.status()
    assert (status["progress"], status["nonce"]) == (0, nonce)  # attempt kept, progress gone


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (RekeyRequest(0, 0), "invalid rekey seal configuration: shares must be at least one"),
        (RekeyRequest(3, 1), "threshold must be greater than one for multiple shares"),
        (RekeyRequest(1, 1, pgp_keys=["a", "b"]), "incorrect number of PGP keys for rekey"),
        (RekeyRequest(2, 2, backup=True), "cannot request a backup of the new keys"),
    ],
)
async def test_start_refuses_bad_configurations(request_: RekeyRequest, message: str) -> None:
    core, _ = await unsealed()
    with pytest.raises(InvalidRequest, match=message):
        await core.rekey.start(request_)
    assert (await core.rekey.status())["started"] is False


async def test_cancel_needs_the_nonce_for_ten_minutes() -> None:
    clock = FakeClock()
    core, _ = await unsealed(clock=clock)
    nonce = str((await core.rekey.start(RekeyRequest(3, 2)))["nonce"])
    for wrong in ("", "not-the-nonce"):
        with pytest.raises(InvalidRequest, match="nonce is required to cancel"):
            await core.rekey.cancel(wrong)
    assert (await core.rekey.status())["started"] is True
    await core.rekey.cancel(nonce)
    assert (await core.rekey.status())["started"] is False
    await core.rekey.cancel("")  # nothing in progress: nothing to refuse

    await core.rekey.start(RekeyRequest(3, 2))
    clock.advance(600)
    await core.rekey.cancel("")  # a stale attempt may be cleared by anyone, as Vault's
    assert (await core.rekey.status())["started"] is False


async def test_verification_keeps_old_shares_until_new_ones_are_proven() -> None:
    physical = InmemBackend()
    core, old = await unsealed(physical)
    done = await rekey(core, old[:2], RekeyRequest(2, 2, require_verification=True))
    assert done["verification_required"] is True
    new = [bytes.fromhex(k) for k in done["keys"]]  # type: ignore[attr-defined]
    vnonce = str(done["verification_nonce"])
    assert core.rekey.verify_status() == {"nonce": vnonce, "started": True, "t": 2, "n": 2,
                                          "progress": 0}
    with pytest.raises(InvalidRequest, match="verification must be performed"):
        await core.rekey.update(old[0], str(done["nonce"]))
    # Not yet verified: the old shares still open the vault.
    assert (await (await restarted(physical)).unseal(old[0].hex())).progress == 1

    await core.rekey.verify_update(old[0], vnonce)
    with pytest.raises(InvalidRequest, match="incorrect key shares supplied"):
        await core.rekey.verify_update(new[0], vnonce)
    fresh = core.rekey.verify_status()
    assert fresh["nonce"] != vnonce and fresh["progress"] == 0
    cancelled = await core.rekey.verify_cancel()
    assert cancelled["nonce"] != fresh["nonce"]
    vnonce = str(cancelled["nonce"])
    await core.rekey.verify_update(new[0], vnonce)
    assert await core.rekey.verify_update(new[1], vnonce) == {"nonce": vnonce, "complete": True}
    with pytest.raises(InvalidRequest, match="no rekey configuration found"):
        core.rekey.verify_status()

    after = await restarted(physical)
    for key in new:
        await after.unseal(key.hex())
    assert not after.sealed


async def test_restart_mid_ceremony_loses_only_the_progress() -> None:
    physical = InmemBackend()
    core, old = await unsealed(physical)
    nonce = str((await core.rekey.start(RekeyRequest(3, 2)))["nonce"])
    await core.rekey.update(old[0], nonce)
    after = await restarted(physical)
    for key in old[1:]:
        await after.unseal(key.hex())
    assert (await after.rekey.status())["started"] is False  # the attempt is gone …
    done = await rekey(after, old[:2], RekeyRequest(1, 1))  # … the old shares still rule
    assert len(done["keys"]) == 1  # type: ignore[arg-type]


async def test_sealing_forgets_the_attempt() -> None:
    core, _ = await unsealed()
    await core.rekey.start(RekeyRequest(3, 2))
    await core.seal()
    assert (await core.rekey.status())["started"] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'key' must be specified in request body as JSON"),
        ("zz", "'key' must be a valid hex or base64 string"),
        ("abcd", "key is shorter than minimum 16 bytes"),
        ("ab" * 40, "key is longer than maximum 33 bytes"),
    ],
)
def test_share_decoding_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as raised:
        decode_share(text)
    assert str(raised.value).startswith(message[:1])
