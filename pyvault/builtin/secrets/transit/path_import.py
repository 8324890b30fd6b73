"""Bring your own key: wrapping_key, keys/<name>/import and keys/<name>/import_version.

The client wraps an ephemeral AES-256 key with RSA-OAEP under the mount's wrapping
key and the target key (raw bytes, or PKCS#8 DER for asymmetric types) with AES-KWP.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
    load_der_public_key,
)

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.common import NAME, NS, Group
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.goparse import Base64Error, go_b64decode
from pyvault.builtin.secrets.transit.model import KDF_HKDF_SHA256, KeyEntry, Policy
from pyvault.builtin.secrets.transit.path_keys import check_rotate_period
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
ENCRYPTED_KEY_BYTES = 512  # RSA-4096 OAEP output
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA1": hashes.SHA1, "SHA224": hashes.SHA224, "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384, "SHA512": hashes.SHA512,
}
VERSION_FIELDS = {
    "name": NAME,
    "ciphertext": Field(description="RSA-OAEP(ephemeral key) || AES-KWP(target key), base64."),
    "hash_function": Field(default="SHA256", description="OAEP hash: SHA1, SHA224, SHA256, "
                           "SHA384 or SHA512."),
    "public_key": Field(description="PEM public key to import (asymmetric types only), "
                        "when no ciphertext is given."),
    "version": Field(type=FieldType.INT, description="Existing version to update: a "
                     "public-only version receives its private key."),
}
IMPORT_FIELDS = {
    **{k: v for k, v in VERSION_FIELDS.items() if k != "version"},
    "type": Field(default="aes256-gcm96", description="Type of the imported key."),
    "allow_rotation": Field(type=FieldType.BOOL, description="Allow rotation in Vault."),
    "derived": Field(type=FieldType.BOOL, description="Enable key derivation."),
    "context": Field(description="Unused; accepted as Vault does."),
    "exportable": Field(type=FieldType.BOOL, description="Allow export."),
    "allow_plaintext_backup": Field(type=FieldType.BOOL, description="Allow backups."),
    "auto_rotate_period": Field(type=FieldType.DURATION, description="Rotation period."),
}


def _failure(message: str) -> UserError:
    # OpenBao answers these with a 500; the text is the same, the status a 400 here.
    return UserError(multierror(message))


class ImportPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("wrapping_key",), operations=ops(read=self._wrapping_key),
                 synopsis="Returns the public key to use for wrapping imported keys",
                 description="An RSA-4096 public key (PEM) for RSA-OAEP wrapping."),
            Path(patterns=("keys/{name}/import",), fields=IMPORT_FIELDS,
                 operations=ops(update=self._import), synopsis="Imports an externally-"
                 "generated key into a new transit key",
                 description="Creates a key from wrapped material (BYOK)."),
            Path(patterns=("keys/{name}/import_version",), fields=VERSION_FIELDS,
                 operations=ops(update=self._import_version), synopsis="Imports an "
                 "externally-generated key into an existing imported key",
                 description="Adds a version from wrapped material."),
        ]

    async def _wrapping_key(self, request: Request, data: FieldData) -> Response:
        key = await self.store.wrapping_key(self.storage(request))
        return Response(data={"public_key": keyops.public_pem(key.public_key())})

    async def _import(self, request: Request, data: FieldData) -> None:
        name = data.get_str("name")
        key_type = kt.BY_NAME.get(data.get_str("type"))
        if key_type is None:
            raise UserError(f"unknown key type: {data.get_str('type')}")
        rotate = check_rotate_period(data.get_int("auto_rotate_period"))
        derived = data.get_bool("derived")
        if derived and not key_type.derivation:
            raise UserError("key derivation not supported for keys of type "
                            f"{key_type.name}")
        if await self.policy(request, name) is not None:
            raise _failure("the import path cannot be used with an existing key; use "
                           "import-version to rotate an existing imported key")
        policy = Policy(name=name, type=key_type, derived=derived,
                        kdf=KDF_HKDF_SHA256 if derived else 0,
                        exportable=data.get_bool("exportable"),
                        allow_plaintext_backup=data.get_bool("allow_plaintext_backup"),
                        auto_rotate_period_ns=rotate * NS, imported=True,
                        allow_imported_key_rotation=data.get_bool("allow_rotation"))
        if data.get_str("ciphertext"):
            entry = _entry(policy, await self._unwrap(request, data))
        else:
            entry = _public_entry(policy, data.get_str("public_key"), "error importing key: ")
        async with self.store.lock:
            if await self.policy(request, name) is not None:
                raise _failure("the import path cannot be used with an existing key; use "
                               "import-version to rotate an existing imported key")
            await self._add(request, policy, entry)

    async def _import_version(self, request: Request, data: FieldData) -> None:
        name = data.get_str("name")
        policy = await self.policy(request, name)
        if policy is None:
            raise _failure(f"no key found with name {name}; to import a new key, use the "
                           "import/ endpoint")
        if not policy.imported:
            raise _failure("the import_version endpoint can only be used with an imported "
                           "key")
        if "version" in data.raw:
            await self._update_version(request, data, policy)
            return
        if data.get_str("ciphertext"):
            entry = _entry(policy, await self._unwrap(request, data))
        else:
            entry = _public_entry(policy, data.get_str("public_key"), "")
        async with self.store.lock:
            await self._add(request, policy, entry)

    async def _update_version(self, request: Request, data: FieldData, policy: Policy) -> None:
        """Fill in the private part of a public-only version (OpenBao's import_version
        with `version`)."""
        key_type = policy.type
        material = await self._unwrap(request, data) if data.get_str("ciphertext") else None
        if key_type.symmetric or key_type is kt.HMAC:
            if material is None:
                raise _failure("provided type does not support public_key import")
            raise _failure("provided type does not support importing key versions")
        version = data.get_int("version")
        current = policy.keys.get(version)
        if current is None or version < 1 or version > policy.latest_version:
            raise _failure("no such key version")
        if keyops.has_private(key_type, current):
            raise _failure("private key imported, key version cannot be updated")
        if material is None:
            raise _failure("cannot add a public key to a key version that already has a "
                           "public key set")
        try:
            private = load_der_private_key(material, None)
        except (ValueError, TypeError):
            private = None
        if private is not None and private.public_key().public_bytes(
                Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode() != \
                keyops.public_pem_of(key_type, current):
            raise _failure("cannot import key, key pair does not match")
        entry = _entry(policy, material)
        if keyops.public_pem_of(key_type, entry) != keyops.public_pem_of(key_type, current):
            raise _failure("cannot import key, key pair does not match")
        entry.time, entry.creation_time = current.time, current.creation_time
        entry.hmac_key = current.hmac_key
        async with self.store.lock:
            policy.keys[version] = entry
            await self.store.save(self.storage(request), policy)

    async def _add(self, request: Request, policy: Policy, entry: KeyEntry) -> None:
        imported = policy.imported
        await self.store.new_version(policy, entry)
        policy.imported = imported
        await self.store.save(self.storage(request), policy)

    async def _unwrap(self, request: Request, data: FieldData) -> bytes:
        hash_name = data.get_str("hash_function")
        hash_type = HASHES.get(hash_name)
        if hash_type is None:
            raise UserError(f"unknown hash function: {hash_name}")
        text = data.get_str("ciphertext")
        if not text:
            raise _failure("provided type does not support public_key import")
        try:
            blob = go_b64decode(text)
        except Base64Error as exc:
            raise _failure(str(exc)) from None
        if len(blob) < ENCRYPTED_KEY_BYTES:
            raise _failure("provided ciphertext is too short")
        wrapping = await self.store.wrapping_key(self.storage(request))
        oaep = padding.OAEP(mgf=padding.MGF1(hash_type()), algorithm=hash_type(), label=None)
        try:
            ephemeral = wrapping.decrypt(blob[:ENCRYPTED_KEY_BYTES], oaep)
        except ValueError:
            raise _failure("crypto/rsa: decryption error") from None
        wrapped = blob[ENCRYPTED_KEY_BYTES:]
        if len(wrapped) <= 16:
            raise _failure("kwp: wrapped key size too small")
        try:
            return aes_key_unwrap_with_padding(ephemeral, wrapped)
        except (InvalidUnwrap, ValueError):
            raise _failure("kwp: failed to unwrap key") from None


def _entry(policy: Policy, material: bytes) -> KeyEntry:
    key_type = policy.type
    entry = KeyEntry()
    if key_type is kt.HMAC:
        if not kt.HMAC_MIN_KEY_SIZE <= len(material) <= kt.HMAC_MAX_KEY_SIZE:
            raise _failure(f"error importing key: invalid key size {len(material)} bytes")
        entry.key = entry.hmac_key = material
        policy.key_size = len(material)
        return entry
    if key_type.symmetric:
        if len(material) != key_type.key_bytes:
            raise _failure(f"error importing key: invalid key size {len(material)} bytes for "
                           f"key type {key_type.name}")
        entry.key = material
        return entry
    try:
        key = load_der_private_key(material, None)
    except (ValueError, TypeError):
        raise _failure("error importing key: failed to parse PKCS8 key") from None
    if key_type is kt.ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        keyops.set_ed25519(entry, key)
    elif key_type.curve and isinstance(key, ec.EllipticCurvePrivateKey):
        got = CURVE_NAMES.get(key.curve.name, key.curve.name)
        if got != key_type.curve:
            raise _failure(f"error importing key: invalid curve: expected {key_type.curve}, "
                           f"got {got}")
        keyops.set_ecdsa(entry, key)
    elif key_type.rsa_bits and isinstance(key, rsa.RSAPrivateKey):
        if key.key_size != key_type.rsa_bits:
            raise _failure(f"error importing key: invalid key size: expected "
                           f"{key_type.rsa_bits} bits, got {key.key_size} bits")
        keyops.set_rsa(entry, key)
    else:
        raise _failure(f"error importing key: key is not of type {key_type.name}")
    return entry


GO_TYPE_NAMES = {ed25519.Ed25519PublicKey: "ed25519.PublicKey",
                 ec.EllipticCurvePublicKey: "*ecdsa.PublicKey",
                 rsa.RSAPublicKey: "*rsa.PublicKey"}
PEM_BLOCK = re.compile(r"-----BEGIN ([^-\r\n]*)-----\r?\n(.*?)-----END \1-----", re.S)


def _go_type(key: object) -> str:
    for cls, name in GO_TYPE_NAMES.items():
        if isinstance(key, cls):
            return name
    return type(key).__name__


def parse_public_pem(text: str) -> object:
    """Go's pem.Decode then x509.ParsePKIXPublicKey (any PEM label is accepted)."""
    match = PEM_BLOCK.search(text)
    body = b""
    if match is not None:
        lines = [ln.strip() for ln in match.group(2).splitlines()]
        try:
            body = base64.b64decode("".join(ln for ln in lines if ":" not in ln),
                                    validate=True)
        except (binascii.Error, ValueError):
            match = None
    if match is None:
        raise ValueError("not in PEM format")
    try:
        return load_der_public_key(body)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("x509: failed to parse public key") from None


def _public_entry(policy: Policy, text: str, prefix: str) -> KeyEntry:
    """A public-only version from a PEM public key (OpenBao's ImportPublicOrPrivate)."""
    key_type = policy.type
    if key_type.symmetric or key_type is kt.HMAC:
        raise _failure("provided type does not support public_key import")
    if key_type is kt.ED25519 and policy.derived:
        raise _failure(f"{prefix}unable to import only public key for derived Ed25519 key: "
                       "imported key should not be an Ed25519 key pair but is instead an "
                       "HKDF key")
    try:
        key = parse_public_pem(text)
    except ValueError as exc:
        raise _failure(f"{prefix}error parsing public key: {exc}") from None
    entry = KeyEntry()
    if key_type is kt.ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
        keyops.set_ed25519_public(entry, key)
    elif key_type.curve and isinstance(key, ec.EllipticCurvePublicKey):
        got = CURVE_NAMES.get(key.curve.name, key.curve.name)
        if got != key_type.curve:
            raise _failure(f"{prefix}invalid curve: expected {key_type.curve}, got {got}")
        keyops.set_ecdsa_public(entry, key)
    elif key_type.rsa_bits and isinstance(key, rsa.RSAPublicKey):
        want, got_bytes = key_type.rsa_bits // 8, (key.key_size + 7) // 8
        if got_bytes != want:
            raise _failure(f"{prefix}invalid key size: expected {want} bytes, got "
                           f"{got_bytes} bytes")
        keyops.set_rsa_public(entry, key)
    else:
        raise _failure(f"{prefix}invalid key type: expected {key_type.name}, got "
                       f"{_go_type(key)}")
    return entry
