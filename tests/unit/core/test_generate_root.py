"""Generate root on the Core: a quorum of shares mints a root token that only the
OTP holder can read; cancelling needs the nonce while young (CVE-2026-5807)."""

from __future__ import annotations

import os

import pytest

from pyvault.core.core import Core
from pyvault.core.generate_root import OTP_LENGTH, xor_decode, xor_encode
from pyvault.logical.errors import InvalidRequest
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


async def unsealed(clock: FakeClock | None = None) -> tuple[Core, list[bytes]]:
    core = Core(InmemBackend(), clock=clock or FakeClock())
    await core.open()
    result = await core.initialize(3, 2)
    for key in result.keys[:2]:
        await core.unseal(key.hex())
    return core, list(result.keys)


def test_xor_encoding_round_trip_matches_vault() -> None:
    # Read off OpenBao 2.7.2: generate-root with this OTP returned this encoded token.
    otp = "24rYSziiTsuvsiKOorwxy84kfE"
    assert xor_decode("QRo+DikAEDwzBwdCQi49DThLAxUjc3wANRw", otp) == "s.LWzzyUgtr41GvBW9tmZKHkSY"
    assert xor_encode("s.LWzzyUgtr41GvBW9tmZKHkSY", otp) == "QRo+DikAEDwzBwdCQi49DThLAxUjc3wANRw"


async def test_server_made_otp_and_a_working_root_token() -> None:
    core, keys = await unsealed()
    idle = await core.root_generation.status()
    assert (idle["started"], idle["otp_length"], idle["required"]) == (False, OTP_LENGTH, 2)
    started = await core.root_generation.start("", "")
    otp, nonce = str(started["otp"]), str(started["nonce"])
    assert len(otp) == OTP_LENGTH and started["started"] is True
    assert (await core.root_generation.status())["otp"] == ""  # shown once only
    step = await core.root_generation.update(keys[0], nonce)
    assert (step["progress"], step["complete"], step["otp_length"]) == (1, False, 0)
    done = await core.root_generation.update(keys[2], nonce)
    assert done["complete"] is True and done["encoded_token"] == done["encoded_root_token"]
    token = xor_decode(str(done["encoded_token"]), otp)
    assert token.startswith("hvs.")
    entry = await core.tokens.lookup(token)
    assert entry is not None and entry.policies == ["root"]
    assert (await core.root_generation.status())["started"] is False


async def test_operator_otp_and_errors() -> None:
    core, keys = await unsealed()
    with pytest.raises(InvalidRequest, match="OTP string has incorrect length"):
        await core.root_generation.start("short", "")
    with pytest.raises(InvalidRequest, match="no root generation in progress"):
        await core.root_generation.update(keys[0], "")
    otp = "A" * OTP_LENGTH
    started = await core.root_generation.start(otp, "")
    assert started["otp"] == ""  # the operator's own OTP is not echoed
    nonce = str(started["nonce"])
    with pytest.raises(InvalidRequest, match="already in progress"):
        await core.root_generation.start("", "")
    with pytest.raises(InvalidRequest, match="incorrect nonce supplied"):
        await core.root_generation.update(keys[0], "wrong")
    await core.root_generation.update(keys[0], nonce)
    with pytest.raises(InvalidRequest, match="already been provided"):
        await core.root_generation.update(keys[0], nonce)
    forged = os.urandom(32) + bytes([keys[0][-1] ^ 0xFF or 1])
    with pytest.raises(InvalidRequest, match="root generation aborted"):
        await core.root_generation.update(forged, nonce)
    status = await core.root_generation.status()
    assert (status["progress"], status["nonce"]) == (0, nonce)
    await core.root_generation.update(keys[1], nonce)
    done = await core.root_generation.update(keys[2], nonce)
    assert await core.tokens.lookup(xor_decode(str(done["encoded_token"]), otp)) is not None


async def test_cancel_needs_the_nonce_for_ten_minutes() -> None:
    clock = FakeClock()
    core, _ = await unsealed(clock)
    nonce = str((await core.root_generation.start("", ""))["nonce"])
    with pytest.raises(InvalidRequest, match="nonce is required to cancel"):
        await core.root_generation.cancel("")
    with pytest.raises(InvalidRequest, match="nonce is required to cancel"):
        await core.root_generation.cancel("nope")
    await core.root_generation.cancel(nonce)
    await core.root_generation.start("", "")
    clock.advance(601)
    await core.root_generation.cancel("")
    assert (await core.root_generation.status())["started"] is False
