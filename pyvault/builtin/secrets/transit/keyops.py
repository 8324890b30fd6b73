"""Key material: generation, loading and Vault's derivation (keysutil's rules)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import (
    KDF_HKDF_SHA256,
    KDF_HMAC_SHA256_COUNTER,
    KeyEntry,
    Policy,
)
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import multierror

CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(),
}
MISSING_CONTEXT = (
    "missing 'context' for key derivation; the key was created using a derived key, "
    "which means additional, per-request information must be included in order to "
    "perform operations with the key"
)


def public_pem(key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def generate(key_type: kt.KeyType, source: RandomSource, key_size: int) -> KeyEntry:
    """A new version's material (RSA is slow: callers run this in a thread)."""
    entry = KeyEntry(hmac_key=source.bytes(32))
    if key_type is kt.HMAC:
        entry.key = source.bytes(key_size or 32)
        entry.hmac_key = entry.key
    elif key_type.symmetric:
        entry.key = source.bytes(key_type.key_bytes)
    elif key_type is kt.ED25519:
        set_ed25519(entry, ed25519.Ed25519PrivateKey.from_private_bytes(source.bytes(32)))
    elif key_type.curve:
        set_ecdsa(entry, ec.generate_private_key(CURVES[key_type.curve]))
    else:
        set_rsa(entry, rsa.generate_private_key(65537, key_type.rsa_bits))
    return entry


def set_ed25519(entry: KeyEntry, key: ed25519.Ed25519PrivateKey) -> None:
    public = key.public_key().public_bytes_raw()
    entry.key = key.private_bytes_raw() + public
    entry.public_key = base64.b64encode(public).decode()
    entry.handle = key


def set_ecdsa(entry: KeyEntry, key: ec.EllipticCurvePrivateKey) -> None:
    numbers = key.private_numbers()
    entry.ec_d = numbers.private_value
    entry.ec_x = numbers.public_numbers.x
    entry.ec_y = numbers.public_numbers.y
    entry.public_key = public_pem(key.public_key())
    entry.handle = key


def set_rsa(entry: KeyEntry, key: rsa.RSAPrivateKey) -> None:
    n = key.private_numbers()
    entry.rsa_key = {
        "N": n.public_numbers.n, "E": n.public_numbers.e, "D": n.d, "Primes": [n.p, n.q],
        "Precomputed": {"Dp": n.dmp1, "Dq": n.dmq1, "Qinv": n.iqmp, "CRTValues": []},
    }
    entry.handle = key


def private_key(key_type: kt.KeyType, entry: KeyEntry) -> Any:
    """The cryptography object of an asymmetric version (parsed once, then cached)."""
    if entry.handle is not None:
        return entry.handle
    if key_type is kt.ED25519:
        if entry.key is None:
            raise UserError("key material missing")
        entry.handle = ed25519.Ed25519PrivateKey.from_private_bytes(entry.key[:32])
    elif key_type.curve:
        if entry.ec_d is None or entry.ec_x is None or entry.ec_y is None:
            raise UserError("key material missing")
        public = ec.EllipticCurvePublicNumbers(entry.ec_x, entry.ec_y, CURVES[key_type.curve])
        entry.handle = ec.EllipticCurvePrivateNumbers(entry.ec_d, public).private_key()
    elif key_type.rsa_bits:
        entry.handle = load_rsa(entry.rsa_key)
    else:
        raise UserError("key type does not have a private key")
    return entry.handle


def load_rsa(raw: dict[str, Any] | None) -> rsa.RSAPrivateKey:
    if not raw or len(raw.get("Primes") or []) != 2:
        raise UserError("key material missing")
    p, q = (int(x) for x in raw["Primes"])
    d = int(raw["D"])
    public = rsa.RSAPublicNumbers(int(raw["E"]), int(raw["N"]))
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                 rsa.rsa_crt_iqmp(p, q), public).private_key()


def counter_mode(key: bytes, context: bytes, bits: int = 256) -> bytes:
    """NIST SP 800-108 counter mode with HMAC-SHA256, as Vault's kdf.CounterMode."""
    rounds = (bits + 255) // 256
    tail = context + bits.to_bytes(4, "big")
    return b"".join(hmac.new(key, i.to_bytes(4, "big") + tail, hashlib.sha256).digest()
                    for i in range(rounds))


def derive(policy: Policy, entry: KeyEntry, context: bytes, num_bytes: int) -> bytes:
    """Vault's DeriveKey: a per-context key from a version's root material."""
    if not context:
        raise UserError(MISSING_CONTEXT)
    if entry.key is None:
        raise UserError("key material missing")
    if policy.kdf == KDF_HMAC_SHA256_COUNTER:
        return counter_mode(entry.key, context)
    if policy.kdf == KDF_HKDF_SHA256:
        return HKDF(SHA256(), num_bytes, None, context).derive(entry.key)
    raise UserError("unsupported key derivation mode")


def symmetric_key(policy: Policy, version: int, context: bytes, num_bytes: int) -> bytes:
    entry = policy.entry(version)
    if policy.derived:
        return derive(policy, entry, context, num_bytes)
    if entry.key is None:
        raise UserError("key material missing")
    return entry.key


def ed25519_key(policy: Policy, version: int, context: bytes) -> ed25519.Ed25519PrivateKey:
    entry = policy.entry(version)
    if not policy.derived:
        key: ed25519.Ed25519PrivateKey = private_key(kt.ED25519, entry)
        return key
    seed = derive(policy, entry, context, 32)
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed[:32])


NO_PRIVATE_SIGN = "requested version for signing does not contain a private part"
NO_PRIVATE_DECRYPT = ("cannot decrypt ciphertext, key version does not have a private "
                      "counterpart")


def has_private(key_type: kt.KeyType, entry: KeyEntry) -> bool:
    """Whether an asymmetric version holds its private part (public-only imports don't)."""
    if key_type is kt.ED25519:
        return bool(entry.key)
    if key_type.curve:
        return entry.ec_d is not None
    if key_type.rsa_bits:
        return bool(entry.rsa_key)
    return True


def require_private(key_type: kt.KeyType, entry: KeyEntry, message: str) -> None:
    if not has_private(key_type, entry):
        # OpenBao answers with a 500; same text, a 400 here.
        raise UserError(multierror(message))


def public_key(key_type: kt.KeyType, entry: KeyEntry) -> Any:
    """The cryptography public key object of an asymmetric version."""
    if has_private(key_type, entry):
        return private_key(key_type, entry).public_key()
    if key_type is kt.ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(entry.public_key))
    if key_type.curve:
        if entry.ec_x is None or entry.ec_y is None:
            raise UserError("key material missing")
        return ec.EllipticCurvePublicNumbers(entry.ec_x, entry.ec_y,
                                             CURVES[key_type.curve]).public_key()
    if key_type.rsa_bits:
        raw = entry.rsa_public_key
        if not raw:
            raise UserError("key material missing")
        return rsa.RSAPublicNumbers(int(raw["E"]), int(raw["N"])).public_key()
    raise UserError("key type does not have a public key")


def set_ed25519_public(entry: KeyEntry, key: ed25519.Ed25519PublicKey) -> None:
    entry.public_key = base64.b64encode(key.public_bytes_raw()).decode()


def set_ecdsa_public(entry: KeyEntry, key: ec.EllipticCurvePublicKey) -> None:
    numbers = key.public_numbers()
    entry.ec_x, entry.ec_y = numbers.x, numbers.y
    entry.public_key = public_pem(key)


def set_rsa_public(entry: KeyEntry, key: rsa.RSAPublicKey) -> None:
    numbers = key.public_numbers()
    entry.rsa_public_key = {"N": numbers.n, "E": numbers.e}


def public_pem_of(key_type: kt.KeyType, entry: KeyEntry) -> str:
    """A version's public key as SPKI PEM, for comparing key pairs."""
    key = public_key(key_type, entry)
    return key.public_bytes(serialization.Encoding.PEM,  # type: ignore[no-any-return]
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
