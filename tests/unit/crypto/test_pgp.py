"""PGP helpers: shares are encrypted as their hex text, bad keys give Vault's words
and never quote what was being encrypted."""

from __future__ import annotations

import base64
import warnings

import pytest
from pysequoia import Tsk, decrypt

from pyvault.crypto import pgp


def operator() -> tuple[Tsk, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        secret = Tsk.generate("operator <op@example.test>")
    return secret, base64.b64encode(bytes(secret.extract_certificate())).decode()


def test_shares_are_encrypted_as_hex_text_per_operator() -> None:
    (alice, alice_pub), (bob, bob_pub) = operator(), operator()
    keys = pgp.parse_all([alice_pub, bob_pub])
    assert all(len(key.fingerprint) == 40 and key.fingerprint.islower() for key in keys)
    shares = [bytes(range(33)), bytes(range(1, 34))]
    encrypted = pgp.encrypt_shares(shares, keys)
    for secret, share, message in zip((alice, bob), shares, encrypted, strict=True):
        assert share not in message and share.hex().encode() not in message
        assert decrypt(message, decryptor=secret.decryptor()).bytes == share.hex().encode()
    with pytest.raises(Exception):  # noqa: B017 - the library raises a plain error
        decrypt(encrypted[0], decryptor=bob.decryptor())


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("x", "error decoding given PGP key: illegal base64 data at input byte 0"),
        ("eQ==", "error parsing given PGP key: openpgp: invalid data"),
    ],
)
def test_bad_keys(encoded: str, message: str) -> None:
    with pytest.raises(pgp.PGPKeyError, match=message):
        pgp.parse_public_key(encoded)
