"""AES-256-GCM sealing used by the barrier and the seal; the only AEAD user."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pyvault.crypto.random import RandomSource

NONCE_SIZE = 12
KEY_SIZE = 32


class DecryptionError(Exception):
    """Ciphertext was tampered with, moved, or opened with the wrong key."""


def seal(key: bytes, plaintext: bytes, aad: bytes | None, source: RandomSource) -> bytes:
    """``nonce || ciphertext || tag``."""
    nonce = source.bytes(NONCE_SIZE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes | None) -> bytes:
    if len(blob) < NONCE_SIZE + 16:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad)
    except InvalidTag:
        raise DecryptionError("message authentication failed") from None
