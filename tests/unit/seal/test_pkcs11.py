"""The PKCS#11 seal against a real SoftHSM2 token: the HSM's AES key wraps, the
storage path is bound in, and a missing token, key or wrong PIN is a SealError."""

from __future__ import annotations

import pytest

from pyvault.seal.factory import build_seals
from pyvault.seal.pkcs11 import CKM_AES_GCM, PKCS11Options, PKCS11Seal, parse_mechanism
from pyvault.seal.protocol import SealConfigError, SealError
from tests.softhsm import SoftHSMToken, token

__all__ = ["token"]  # the fixture


async def opened(options: dict[str, str]) -> PKCS11Seal:
    seal = PKCS11Seal(PKCS11Options.from_block(options))
    await seal.open()
    return seal


async def test_wraps_and_unwraps_with_a_generated_key(token: SoftHSMToken) -> None:
    seal = await opened(token.options())
    secret = bytes(range(32))
    blob = await seal.wrap(secret, b"core/hsm/barrier-unseal-keys")
    assert secret not in blob and len(blob) == 1 + 12 + 32 + 16
    assert await seal.unwrap(blob, b"core/hsm/barrier-unseal-keys") == secret
    assert await seal.wrap(secret, b"p") != await seal.wrap(secret, b"p")  # fresh nonce
    with pytest.raises(SealError):
        await seal.unwrap(blob, b"core/recovery-key")  # moved to another path
    await seal.close()
    # A second process (a restart) finds the key by its label.
    again = await opened(token.options(generate_key="false"))
    assert await again.unwrap(blob, b"core/hsm/barrier-unseal-keys") == secret
    await again.close()


async def test_missing_key_without_generate_key_is_refused(token: SoftHSMToken) -> None:
    with pytest.raises(SealError, match='no AES key labelled "other"'):
        await opened(token.options(key_label="other", generate_key="false"))


async def test_wrong_pin_and_missing_token(token: SoftHSMToken) -> None:
    with pytest.raises(SealError, match="PinIncorrect") as caught:
        await opened(token.options(pin="0000"))
    assert "0000" not in str(caught.value)
    with pytest.raises(SealError, match='no token labelled "nope"'):
        await opened(token.options(token_label="nope"))


async def test_removed_token_cannot_unwrap(token: SoftHSMToken) -> None:
    seal = await opened(token.options())
    blob = await seal.wrap(b"k" * 32, b"a")
    await seal.close()
    token.remove()
    with pytest.raises(SealError):
        await opened(token.options())
    with pytest.raises(SealError):
        await seal.unwrap(blob, b"a")


@pytest.mark.parametrize("text", ["", "0x1087", "4231", "CKM_AES_GCM"])
def test_mechanism_accepts_aes_gcm_spellings(text: str) -> None:
    assert parse_mechanism(text) == CKM_AES_GCM


@pytest.mark.parametrize("text", ["0x1085", "0x0009", "gcm?"])
def test_other_mechanisms_are_refused(text: str) -> None:
    with pytest.raises(SealConfigError):
        parse_mechanism(text)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"lib": "/x.so", "pin": "1", "key_label": "k"}, '"slot" or "token_label"'),
        ({"lib": "/x.so", "slot": "zero", "pin": "1", "key_label": "k"}, "not a number"),
        ({"slot": "0", "pin": "1", "key_label": "k"}, '"lib" is required'),
        ({"lib": "/x.so", "slot": "0", "key_label": "k"}, '"pin" is required'),
        ({"lib": "/x.so", "slot": "0", "pin": "1"}, '"key_label" is required'),
        ({"lib": "/x.so", "slot": "0", "pin": "1", "key_label": "k", "generate_key": "maybe"},
         "generate_key must be true or false"),
    ],
)
def test_bad_options_are_config_errors(
    options: dict[str, str], problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LIB", "SLOT", "TOKEN_LABEL", "PIN", "KEY_LABEL", "MECHANISM", "GENERATE_KEY"):
        monkeypatch.delenv(f"VAULT_HSM_{name}", raising=False)
        monkeypatch.delenv(f"BAO_HSM_{name}", raising=False)
    with pytest.raises(SealConfigError, match=problem.replace('"', '.')):
        PKCS11Options.from_block(options)


def test_pin_from_the_environment_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_HSM_PIN", "s3cret-pin")
    options = PKCS11Options.from_block({"lib": "/x.so", "slot": "0x2", "key_label": "k"})
    assert options.pin == "s3cret-pin" and options.slot == 2
    assert "s3cret-pin" not in repr(options)


class _Block:
    def __init__(self, type: str, options: dict[str, str], disabled: bool = False) -> None:
        self.type, self.options, self.disabled = type, options, disabled


def test_factory_picks_the_seal() -> None:
    assert build_seals([]).seal is None
    assert build_seals([_Block("shamir", {})]).seal is None
    seal = build_seals([_Block("pkcs11", {"lib": "/x.so", "slot": "0", "pin": "1",
                                           "key_label": "k"})]).seal
    assert seal is not None and seal.seal_type == "pkcs11"
    with pytest.raises(SealConfigError, match="Shamir seals cannot be set disabled"):
        build_seals([_Block("pkcs11", {}), _Block("shamir", {}, disabled=True)])
    with pytest.raises(SealConfigError, match="more than one enabled seal"):
        build_seals([_Block("pkcs11", {}), _Block("transit", {})])
    pkcs11 = {"lib": "/x.so", "slot": "0", "pin": "1", "key_label": "k"}
    with pytest.raises(SealConfigError, match='more than one seal block with disabled'):
        build_seals([_Block("pkcs11", pkcs11, True), _Block("pkcs11", pkcs11, True)])
    setup = build_seals([_Block("pkcs11", pkcs11, disabled=True)])
    assert setup.seal is None and setup.unwrap is not None  # auto → Shamir
    assert setup.unwrap.seal_type == "pkcs11" and setup.seals() == [setup.unwrap]
    with pytest.raises(SealConfigError, match="HTTP client"):
        build_seals([_Block("transit", {"address": "http://x", "token": "t",
                                       "key_name": "k"})])
