"""Sign and verify as Vault's keysutil: ECDSA (ASN.1/JWS), Ed25519, RSA PSS/PKCS#1 v1.5."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import Policy
from pyvault.logical.errors import multierror


def _curve_bytes(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> int:
    return (key.curve.key_size + 7) // 8


def salt_length(value: str, hash_alg: hashes.HashAlgorithm | None, signing: bool) -> int:
    if value in ("", "auto"):
        return padding.PSS.MAX_LENGTH if signing else padding.PSS.AUTO  # type: ignore[return-value]
    if value == "hash":
        return padding.PSS.DIGEST_LENGTH  # type: ignore[return-value]
    try:
        number = int(value)
    except ValueError:
        raise UserError(f"salt length neither 'auto', 'hash', nor an int: {value}") from None
    if number < 0:
        raise UserError(f"salt length is invalid: {value}")
    return number


_BY_SIZE: dict[int, type[hashes.HashAlgorithm]] = {
    20: hashes.SHA1, 28: hashes.SHA224, 32: hashes.SHA256, 48: hashes.SHA384, 64: hashes.SHA512,
}


def _ecdsa_digest(data: bytes, key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey
                  ) -> tuple[bytes, hashes.HashAlgorithm]:
    """ECDSA uses only the digest's value: Go signs any length, so a short prehashed
    input is left-padded to a digest size of the same integer value."""
    fitting = _BY_SIZE.get(len(data))
    if fitting is not None:
        return data, fitting()
    target = min(_curve_bytes(key), 64)
    target = max(size for size in _BY_SIZE if size <= target)
    if len(data) > target:
        raise UserError(f"prehashed input of {len(data)} bytes is not a digest")
    return data.rjust(target, b"\x00"), _BY_SIZE[target]()


def _rsa_checked(data: bytes, hash_alg: hashes.HashAlgorithm | None) -> None:
    if hash_alg is not None and len(data) != hash_alg.digest_size:
        raise UserError(multierror("crypto/rsa: input must be hashed with given hash"))


def sign(policy: Policy, version: int, data: bytes, hash_alg: hashes.HashAlgorithm | None,
         context: bytes, sig_alg: str, marshaling: str, salt: str) -> str:
    try:
        return _sign(policy, version, data, hash_alg, context, sig_alg, marshaling, salt)
    except ValueError:  # a PSS salt longer than the key allows (OpenBao: a 500)
        raise UserError(multierror(f"requested salt length {salt} is invalid")) from None


def _sign(policy: Policy, version: int, data: bytes, hash_alg: hashes.HashAlgorithm | None,
          context: bytes, sig_alg: str, marshaling: str, salt: str) -> str:
    key_type = policy.type
    if not policy.derived:
        keyops.require_private(key_type, policy.entry(version), keyops.NO_PRIVATE_SIGN)
    if key_type is kt.ED25519:
        raw = keyops.ed25519_key(policy, version, context).sign(data)
    elif key_type.curve:
        if hash_alg is None:
            raise UserError("hash algorithm none is not supported with ECDSA keys")
        key: ec.EllipticCurvePrivateKey = keyops.private_key(key_type, policy.entry(version))
        digest, used = _ecdsa_digest(data, key)
        der = key.sign(digest, ec.ECDSA(Prehashed(used)))
        raw = der
        if marshaling == "jws":
            r, s = decode_dss_signature(der)
            size = _curve_bytes(key)
            raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    else:
        private: rsa.RSAPrivateKey = keyops.private_key(key_type, policy.entry(version))
        raw = _rsa_sign(private, data, hash_alg, sig_alg, salt)
    if marshaling == "jws":
        body = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    else:
        body = base64.b64encode(raw).decode()
    return f"vault:v{version}:{body}"


def _rsa_sign(key: rsa.RSAPrivateKey, data: bytes, hash_alg: hashes.HashAlgorithm | None,
              sig_alg: str, salt: str) -> bytes:
    if hash_alg is None:
        if sig_alg != "pkcs1v15":
            raise UserError("unsupported hash algorithm none for PSS signatures")
        return _raw_pkcs1v15_sign(key, data)
    _rsa_checked(data, hash_alg)
    if sig_alg == "pkcs1v15":
        return key.sign(data, padding.PKCS1v15(), Prehashed(hash_alg))
    pss = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=salt_length(salt, hash_alg, True))
    return key.sign(data, pss, Prehashed(hash_alg))


def _raw_pkcs1v15_sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """PKCS#1 v1.5 over the input itself (Go's crypto.Hash(0)): no DigestInfo."""
    size = (key.key_size + 7) // 8
    if len(data) > size - 11:
        raise UserError("message too long for RSA key size")
    encoded = b"\x00\x01" + b"\xff" * (size - len(data) - 3) + b"\x00" + data
    numbers = key.private_numbers()
    value = pow(int.from_bytes(encoded, "big"), numbers.d, numbers.public_numbers.n)
    return value.to_bytes(size, "big")


def parse_signature(policy: Policy, value: str) -> tuple[int, str]:
    if not value.startswith("vault:"):
        raise UserError("invalid signature: no prefix")
    parts = value[len("vault:"):].split(":", 1)
    if len(parts) != 2:
        raise UserError("invalid signature: wrong number of fields")
    digits = parts[0][1:] if parts[0].startswith("v") else parts[0]
    if not digits.isdigit():
        raise UserError("invalid signature: version number could not be decoded")
    version = int(digits) or 1
    if version > policy.latest_version:
        raise UserError("invalid signature: version is too new")
    if policy.min_decryption_version > 0 and version < policy.min_decryption_version:
        raise UserError("ciphertext or signature version is disallowed by policy (too old)")
    if version not in policy.keys:
        raise UserError("invalid key version")
    return version, parts[1]


def verify(policy: Policy, signature: str, data: bytes, hash_alg: hashes.HashAlgorithm | None,
           context: bytes, sig_alg: str, marshaling: str, salt: str) -> bool:
    version, body = parse_signature(policy, signature)
    try:
        if marshaling == "jws":
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        else:
            raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise UserError("invalid base64 signature value") from None
    key_type = policy.type
    try:
        if key_type is kt.ED25519:
            if policy.derived:
                keyops.ed25519_key(policy, version, context).public_key().verify(raw, data)
            else:
                keyops.public_key(key_type, policy.entry(version)).verify(raw, data)
        elif key_type.curve:
            _verify_ecdsa(policy, version, raw, data, hash_alg, marshaling)
        else:
            _verify_rsa(policy, version, raw, data, hash_alg, sig_alg, salt)
    except (InvalidSignature, ValueError):
        return False
    return True


def _verify_ecdsa(policy: Policy, version: int, raw: bytes, data: bytes,
                  hash_alg: hashes.HashAlgorithm | None, marshaling: str) -> None:
    if hash_alg is None:
        raise UserError("hash algorithm none is not supported with ECDSA keys")
    key: ec.EllipticCurvePublicKey = keyops.public_key(policy.type, policy.entry(version))
    if marshaling == "jws":
        size = _curve_bytes(key)
        if len(raw) != 2 * size:
            raise UserError("supplied signature is invalid")
        der = encode_dss_signature(int.from_bytes(raw[:size], "big"),
                                   int.from_bytes(raw[size:], "big"))
    else:
        try:
            decode_dss_signature(raw)
        except ValueError:
            raise UserError("supplied signature is invalid") from None
        der = raw
    digest, used = _ecdsa_digest(data, key)
    key.verify(der, digest, ec.ECDSA(Prehashed(used)))


def _verify_rsa(policy: Policy, version: int, raw: bytes, data: bytes,
                hash_alg: hashes.HashAlgorithm | None, sig_alg: str, salt: str) -> None:
    public: rsa.RSAPublicKey = keyops.public_key(policy.type, policy.entry(version))
    if hash_alg is None:
        if sig_alg != "pkcs1v15":
            raise UserError("unsupported hash algorithm none for PSS signatures")
        numbers = public.public_numbers()
        size = (public.key_size + 7) // 8
        value = pow(int.from_bytes(raw, "big"), numbers.e, numbers.n).to_bytes(size, "big")
        expected = b"\x00\x01" + b"\xff" * (size - len(data) - 3) + b"\x00" + data
        if len(raw) != size or value != expected:
            raise InvalidSignature()
        return
    _rsa_checked(data, hash_alg)
    if sig_alg == "pkcs1v15":
        public.verify(raw, data, padding.PKCS1v15(), Prehashed(hash_alg))
        return
    pss = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=salt_length(salt, hash_alg, False))
    public.verify(raw, data, pss, Prehashed(hash_alg))
