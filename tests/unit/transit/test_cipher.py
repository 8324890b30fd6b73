"""Ciphertext format and Vault's key derivation, checked against independent math."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pyvault.builtin.secrets.transit import cipher, keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import (
    KDF_HKDF_SHA256,
    KeyEntry,
    Policy,
    rfc3339_nano,
)
from tests.unit.transit.support import CountingRandom

KEY = bytes(range(32))


def policy(**options: object) -> Policy:
    p = Policy(name="k", type=kt.AES256, latest_version=1, min_decryption_version=1,
               **options)  # type: ignore[arg-type]
    p.keys[1] = KeyEntry(key=KEY, hmac_key=bytes(32), convergent_version=3
                         if options.get("convergent_encryption") else 0)
    return p


def test_ciphertext_is_version_prefix_and_nonce_ciphertext_tag() -> None:
    random = CountingRandom()
    text = cipher.encrypt(policy(), 1, b"hi", b"", b"", b"", random)
    assert text.startswith("vault:v1:")
    raw = base64.b64decode(text[9:])
    nonce = CountingRandom().bytes(12)
    assert raw == nonce + AESGCM(KEY).encrypt(nonce, b"hi", None)


def test_derived_key_is_hkdf_sha256_of_the_context() -> None:
    p = policy(derived=True, kdf=KDF_HKDF_SHA256)
    text = cipher.encrypt(p, 1, b"hi", b"ctx", b"", b"", CountingRandom())
    derived = HKDF(SHA256(), 32, None, b"ctx").derive(KEY)
    raw = base64.b64decode(text[9:])
    assert AESGCM(derived).decrypt(raw[:12], raw[12:], None) == b"hi"


def test_convergent_nonce_is_hmac_of_the_plaintext() -> None:
    p = policy(derived=True, kdf=KDF_HKDF_SHA256, convergent_encryption=True,
               convergent_version=-1)
    one = cipher.encrypt(p, 1, b"same", b"ctx", b"", b"", CountingRandom())
    two = cipher.encrypt(p, 1, b"same", b"ctx", b"", b"", CountingRandom())
    assert one == two
    material = HKDF(SHA256(), 64, None, b"ctx").derive(KEY)
    nonce = hmac.new(material[32:], b"same", hashlib.sha256).digest()[:12]
    assert base64.b64decode(one[9:])[:12] == nonce


def test_counter_mode_kdf_matches_sp800_108() -> None:
    expected = hmac.new(KEY, b"\x00\x00\x00\x00ctx\x00\x00\x01\x00", hashlib.sha256).digest()
    assert keyops.counter_mode(KEY, b"ctx") == expected


def test_tampering_is_detected() -> None:
    p = policy()
    text = cipher.encrypt(p, 1, b"hi", b"", b"", b"", CountingRandom())
    raw = bytearray(base64.b64decode(text[9:]))
    raw[-1] ^= 1
    with pytest.raises(UserError, match="message authentication failed"):
        cipher.decrypt(p, "vault:v1:" + base64.b64encode(bytes(raw)).decode(), b"", b"", b"")


@pytest.mark.parametrize(("value", "error"), [
    ("nope", "invalid ciphertext: no prefix"),
    ("vault:v1", "invalid ciphertext: wrong number of fields"),
    ("vault:vx:AA==", "invalid ciphertext: version number could not be decoded"),
    ("vault:v2:AA==", "invalid ciphertext: version is too new"),
    ("vault:v1:@@", "invalid ciphertext: could not decode base64"),
])
def test_parse_errors(value: str, error: str) -> None:
    with pytest.raises(UserError) as caught:
        cipher.decrypt(policy(), value, b"", b"", b"")
    assert caught.value.messages == [error]


def test_missing_context_on_derived_key() -> None:
    with pytest.raises(UserError, match="missing 'context'"):
        cipher.encrypt(policy(derived=True, kdf=KDF_HKDF_SHA256), 1, b"x", b"", b"", b"",
                       CountingRandom())


def test_go_base64_errors() -> None:
    assert cipher.b64decode("aGk=") == b"hi"
    with pytest.raises(UserError, match="illegal base64 data at input byte 0"):
        cipher.b64decode("@@")


def test_rfc3339_nano_trims_zeros() -> None:
    assert rfc3339_nano(1_700_000_000.5) == "2023-11-14T22:13:20.5Z"
    assert rfc3339_nano(1_700_000_000.0) == "2023-11-14T22:13:20Z"
