"""HMACs as Vault makes them: `vault:v<N>:` + base64(HMAC(key version N, input))."""

from __future__ import annotations

import base64
import hashlib
import hmac

from pyvault.builtin.secrets.transit import hashing
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import Policy
from pyvault.crypto.random import compare


def hmac_key(policy: Policy, version: int) -> bytes:
    entry = policy.keys.get(version)
    key = None if entry is None else (entry.key if policy.type is kt.HMAC else entry.hmac_key)
    if not key:
        raise UserError("HMAC key does not exist for this key version")
    return key


def compute(policy: Policy, version: int, algorithm: str, data: bytes) -> str:
    name = hashing.HASHLIB.get(algorithm)
    if name is None:
        raise UserError(f"unsupported algorithm {algorithm}")
    mac = hmac.new(hmac_key(policy, version), data, getattr(hashlib, name)).digest()
    return f"vault:v{version}:{base64.b64encode(mac).decode()}"


def verify_hmac(policy: Policy, value: str, algorithm: str, data: bytes) -> bool:
    if not value.startswith("vault:v"):
        raise UserError("invalid HMAC to verify: no prefix")
    parts = value[len("vault:v"):].split(":", 1)
    if len(parts) != 2:
        raise UserError("invalid HMAC: wrong number of fields")
    if not parts[0].isdigit():
        raise UserError("invalid HMAC: version number could not be decoded")
    version = int(parts[0])
    if version > policy.latest_version:
        raise UserError("invalid HMAC: version is too new")
    if policy.min_decryption_version > 0 and version < policy.min_decryption_version:
        raise UserError("cannot verify HMAC: version is too old (disallowed by policy)")
    expected = compute(policy, version, algorithm, data)
    # Vault compares the text with the version as the caller wrote it.
    return compare(expected.replace(f"vault:v{version}:", f"vault:v{parts[0]}:", 1), value)
