"""Encrypt and decrypt exactly as Vault's keysutil (ciphertext `vault:v<N>:<b64>`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.goparse import Base64Error, go_b64decode
from pyvault.builtin.secrets.transit.keyops import private_key, symmetric_key
from pyvault.builtin.secrets.transit.model import Policy
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import multierror

NONCE_SIZE = 12
PREFIX = "vault:"


def b64decode(value: str) -> bytes:
    """Go's base64.StdEncoding.DecodeString, with its error text."""
    try:
        return go_b64decode(value)
    except Base64Error as exc:
        raise UserError(str(exc)) from None


def _aead(policy: Policy, key: bytes) -> AESGCM | ChaCha20Poly1305:
    if policy.type is kt.CHACHA:
        return ChaCha20Poly1305(key)
    return AESGCM(key)


def _sizes(policy: Policy, version: int) -> tuple[int, int]:
    enc = 16 if policy.type is kt.AES128 else 32
    return enc, 32 if policy.convergent_version_of(version) > 2 else 0


def encrypt_version(policy: Policy, version: int | None) -> int:
    if version is None or version == 0:
        return policy.latest_version
    if version < 0:
        raise UserError("requested version for encryption is negative")
    if version > policy.latest_version:
        raise UserError("requested version for encryption is higher than the latest key version")
    if version < policy.min_encryption_version:
        raise UserError("requested version for encryption is less than the minimum encryption "
                        "key version")
    return version


def encrypt(policy: Policy, version: int, plaintext: bytes, context: bytes, nonce: bytes,
            aad: bytes, source: RandomSource) -> str:
    if not policy.type.encryption:
        raise UserError(f"message encryption not supported for key type {policy.type.name}")
    if policy.type.rsa_bits:
        public = keyops.public_key(policy.type, policy.entry(version))
        raw = public.encrypt(plaintext, _oaep())
    else:
        raw = _symmetric_encrypt(policy, version, plaintext, context, nonce, aad, source)
    return f"{PREFIX}v{version}:{base64.b64encode(raw).decode()}"


def _symmetric_encrypt(policy: Policy, version: int, plaintext: bytes, context: bytes,
                       nonce: bytes, aad: bytes, source: RandomSource) -> bytes:
    convergent = policy.convergent_version_of(version)
    if convergent > 2:
        if nonce:
            raise UserError("nonce provided when not allowed")
    elif nonce and (not policy.convergent_encryption or convergent != 1):
        raise UserError("nonce provided when not allowed")
    enc_bytes, hmac_bytes = _sizes(policy, version)
    key = symmetric_key(policy, version, context, enc_bytes + hmac_bytes)
    if len(key) < enc_bytes + hmac_bytes:
        raise UserError("could not derive enough key material")
    hmac_key = key[enc_bytes:enc_bytes + hmac_bytes] if hmac_bytes else context
    aead = _aead(policy, key[:enc_bytes])
    if policy.convergent_encryption:
        if convergent == 1:
            if len(nonce) != NONCE_SIZE:
                raise UserError(f"base64-decoded nonce must be {NONCE_SIZE} bytes long when "
                                "using convergent encryption with this key")
            use = nonce
        else:
            if not hmac_key:
                raise UserError("invalid hmac key length of zero")
            use = hmac.new(hmac_key, plaintext, hashlib.sha256).digest()[:NONCE_SIZE]
    else:
        use = source.bytes(NONCE_SIZE)
    sealed = aead.encrypt(use, plaintext, aad or None)
    return sealed if policy.convergent_encryption and convergent == 1 else use + sealed


def parse(policy: Policy, value: str) -> tuple[int, str]:
    """(version, base64 body) of `vault:v<N>:<b64>`, with Vault's checks and texts."""
    if not value.startswith(PREFIX):
        raise UserError("invalid ciphertext: no prefix")
    parts = value[len(PREFIX):].split(":", 1)
    if len(parts) != 2:
        raise UserError("invalid ciphertext: wrong number of fields")
    digits = parts[0][1:] if parts[0].startswith("v") else parts[0]
    try:
        version = int(digits) if digits.lstrip("-+").isdigit() else int("x")
    except ValueError:
        raise UserError("invalid ciphertext: version number could not be decoded") from None
    version = version or 1
    if version > policy.latest_version:
        raise UserError("invalid ciphertext: version is too new")
    if policy.min_decryption_version > 0 and version < policy.min_decryption_version:
        raise UserError("ciphertext or signature version is disallowed by policy (too old)")
    if version not in policy.keys:
        raise UserError("invalid key version")
    return version, parts[1]


def decrypt(policy: Policy, value: str, context: bytes, nonce: bytes, aad: bytes) -> bytes:
    if not policy.type.decryption:
        raise UserError(f"message decryption not supported for key type {policy.type.name}")
    version, body = parse(policy, value)
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise UserError("invalid ciphertext: could not decode base64") from None
    if policy.type.rsa_bits:
        entry = policy.entry(version)
        keyops.require_private(policy.type, entry, keyops.NO_PRIVATE_DECRYPT)
        key: rsa.RSAPrivateKey = private_key(policy.type, entry)
        try:
            return key.decrypt(raw, _oaep())
        except ValueError:
            # OpenBao: a 500 with this text; a 400 here.
            raise UserError(multierror("failed to RSA decrypt the ciphertext: crypto/rsa: "
                                       "decryption error")) from None
    enc_bytes, hmac_bytes = _sizes(policy, version)
    key_bytes = symmetric_key(policy, version, context, enc_bytes + hmac_bytes)
    aead = _aead(policy, key_bytes[:enc_bytes])
    if policy.convergent_encryption and policy.convergent_version_of(version) == 1:
        use, sealed = nonce, raw
        if len(use) != NONCE_SIZE:
            raise UserError("invalid ciphertext length")
    else:
        if len(raw) < NONCE_SIZE:
            raise UserError("invalid ciphertext length")
        use, sealed = raw[:NONCE_SIZE], raw[NONCE_SIZE:]
    try:
        return aead.decrypt(use, sealed, aad or None)
    except InvalidTag:
        raise UserError("cipher: message authentication failed") from None


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
