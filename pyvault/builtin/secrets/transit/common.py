"""What every transit path group shares: the key store, lookups, the key view."""

from __future__ import annotations

import base64
from typing import Any

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import KDF_NAMES, Policy
from pyvault.builtin.secrets.transit.store import KeyStore
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.logical.request import Request
from pyvault.logical.storage import Storage

NAME = Field(type=FieldType.STRING, description="Name of the key")
NS = 1_000_000_000


class Group:
    def __init__(self, store: KeyStore) -> None:
        self.store = store

    async def policy(self, request: Request, name: str) -> Policy | None:
        return await self.store.get(request.require_storage(), name)

    async def require(self, request: Request, name: str,
                      missing: str = "encryption key not found") -> Policy:
        policy = await self.policy(request, name)
        if policy is None:
            raise UserError(missing)
        return policy

    def storage(self, request: Request) -> Storage:
        return request.require_storage()


def optional_b64(data: FieldData | dict[str, Any], name: str) -> bytes:
    """A base64 input field ("" when absent), decoded with Go's error texts."""
    from pyvault.builtin.secrets.transit.cipher import b64decode

    value = data.get(name) if isinstance(data, FieldData) else data.get(name, "")
    if value is None or value == "":
        return b""
    return b64decode(str(value))


def key_view(policy: Policy, context: bytes = b"") -> dict[str, Any]:
    """The body of a key read, with the fields Vault shows for its type."""
    key_type = policy.type
    out: dict[str, Any] = {
        "allow_plaintext_backup": policy.allow_plaintext_backup,
        "auto_rotate_period": policy.auto_rotate_period_ns // NS,
        "deletion_allowed": policy.deletion_allowed,
        "derived": policy.derived,
        "exportable": policy.exportable,
        "imported_key": policy.imported,
        "latest_version": policy.latest_version,
        "min_available_version": policy.min_available_version,
        "min_decryption_version": policy.min_decryption_version,
        "min_encryption_version": policy.min_encryption_version,
        "name": policy.name,
        "supports_decryption": key_type.decryption,
        "supports_derivation": key_type.derivation,
        "supports_encryption": key_type.encryption,
        "supports_signing": key_type.signing,
        "type": key_type.name,
    }
    if policy.imported:
        out["imported_key_allow_rotation"] = policy.allow_imported_key_rotation
    if policy.backup_info:
        out["backup_info"] = policy.backup_info
    if policy.restore_info:
        out["restore_info"] = policy.restore_info
    if policy.derived:
        out["kdf"] = KDF_NAMES.get(policy.kdf, "")
        out["convergent_encryption"] = policy.convergent_encryption
        if policy.convergent_encryption:
            out["convergent_encryption_version"] = policy.convergent_version
    if key_type is kt.HMAC:
        out["key_size"] = policy.key_size
        return out
    live = {v: e for v, e in sorted(policy.keys.items()) if v >= policy.min_decryption_version}
    if key_type.symmetric:
        out["keys"] = {str(v): e.creation_time for v, e in live.items()}
        return out
    out["keys"] = {str(v): _public_view(policy, v, context) for v in live}
    return out


def _public_view(policy: Policy, version: int, context: bytes) -> dict[str, Any]:
    entry = policy.keys[version]
    key_type = policy.type
    public = entry.public_key
    if key_type is kt.ED25519:
        name = "ed25519"
        if policy.derived:
            public = ""
            if context:
                derived = keyops.ed25519_key(policy, version, context).public_key()
                public = base64.b64encode(derived.public_bytes_raw()).decode()
    elif key_type.curve:
        name = key_type.curve
    else:
        name = key_type.name
        public = keyops.public_pem(keyops.public_key(key_type, entry))
    return {"certificate_chain": "", "creation_time": entry.time, "name": name,
            "public_key": public}
