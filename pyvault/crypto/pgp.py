"""OpenPGP encryption of key shares and root tokens, as Vault's ``pgpkeys`` helper does.

Operators hand in their public keys base64-encoded (binary OpenPGP, what the CLI
sends for ``-pgp-keys``/``-pgp-key``). A share is encrypted as its *hex* text, so
``base64 -d | gpg -d`` yields a string the operator can paste into ``unseal``.
Uses Sequoia-PGP (pysequoia); failures are reported without quoting any secret.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use: ~2 MiB of RSS most servers never need
    import pysequoia


class PGPKeyError(ValueError):
    """A public key that cannot be decoded or used for encryption."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    fingerprint: str
    cert: pysequoia.Cert


def parse_public_key(encoded: str) -> PublicKey:
    """A base64 binary public key → key; message texts follow Vault's."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise PGPKeyError(
            "error decoding given PGP key: illegal base64 data at input byte 0"
        ) from None
    import pysequoia

    try:
        cert = pysequoia.Cert.from_bytes(raw)
    except Exception:  # the library raises plain RuntimeError/ValueError
        raise PGPKeyError(
            "error parsing given PGP key: openpgp: invalid data: not an OpenPGP public key"
        ) from None
    return PublicKey(fingerprint=str(cert.fingerprint).lower(), cert=cert)


def encrypt(key: PublicKey, plaintext: bytes) -> bytes:
    """A binary OpenPGP message readable only with ``key``'s secret half."""
    import pysequoia

    try:
        message: bytes = pysequoia.encrypt(plaintext, recipients=[key.cert], armor=False)
    except Exception:  # e.g. a key without an encryption subkey
        raise PGPKeyError(
            f"error encrypting for PGP key {key.fingerprint}: the key has no usable "
            "encryption subkey"
        ) from None
    return message


def parse_all(encoded_keys: list[str]) -> list[PublicKey]:
    return [parse_public_key(encoded) for encoded in encoded_keys]


def encrypt_shares(shares: list[bytes], keys: list[PublicKey]) -> list[bytes]:
    """Share i for key i, each encrypted as its hex text (Vault's format)."""
    return [encrypt(key, share.hex().encode()) for share, key in zip(shares, keys, strict=True)]
