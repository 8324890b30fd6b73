"""encrypt/<name>, decrypt/<name> and rewrap/<name>, single or batch."""

from __future__ import annotations

import base64

from pyvault.builtin.secrets.transit import cipher
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.batch import (
    BATCH_FIELDS,
    Item,
    batch_items,
    item_int,
    item_str,
    respond,
    run,
    same_context,
    single,
)
from pyvault.builtin.secrets.transit.common import NAME, Group, optional_b64
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import KDF_HKDF_SHA256, Policy
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response

COMMON = {
    "name": NAME,
    "context": Field(description="Base64 context for key derivation (derived keys)."),
    "nonce": Field(description="Base64 nonce (only for convergent keys of Vault 0.6.1)."),
    "key_version": Field(type=FieldType.INT, description="Key version to use (0 = latest)."),
    "associated_data": Field(description="Base64 additional authenticated data (AEAD keys)."),
    **BATCH_FIELDS,
}
ENCRYPT_FIELDS = {
    **COMMON,
    "plaintext": Field(description="Base64 plaintext to encrypt."),
    "type": Field(default="aes256-gcm96", description="Key type when the key is created "
                  "by this request."),
    "convergent_encryption": Field(type=FieldType.BOOL, description="Create the key with "
                                   "convergent encryption."),
}
DECRYPT_FIELDS = {**COMMON, "ciphertext": Field(description="Ciphertext to decrypt.")}
SINGLE = ("plaintext", "ciphertext", "context", "nonce", "key_version", "associated_data")


class CryptPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("encrypt/{name}",), fields=ENCRYPT_FIELDS,
                 operations=ops(create=self._encrypt, update=self._encrypt),
                 existence_check=self._exists, synopsis="Encrypt a plaintext value or a "
                 "batch of plaintext blocks using a named key",
                 description="Encrypts; the key is created when missing (needs create)."),
            Path(patterns=("decrypt/{name}",), fields=DECRYPT_FIELDS,
                 operations=ops(update=self._decrypt),
                 synopsis="Decrypt a ciphertext value using a named key",
                 description="Decrypts a Vault-format ciphertext or a batch of them."),
            Path(patterns=("rewrap/{name}",), fields=DECRYPT_FIELDS,
                 operations=ops(update=self._rewrap),
                 synopsis="Rewrap ciphertext", description="Re-encrypts with the latest "
                 "(or the given) key version without revealing the plaintext."),
        ]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        return await self.policy(request, data.get_str("name")) is not None

    async def _encrypt(self, request: Request, data: FieldData) -> Response:
        items, is_batch = batch_items(data, SINGLE)
        if not is_batch and "plaintext" not in items[0]:
            raise UserError("missing plaintext to encrypt")
        same_context(items)
        policy = await self._key_for_encrypt(request, data, items[0])
        random = self.store.random

        def work(item: Item) -> Item:
            plaintext = cipher.b64decode(item_str(item, "plaintext"))
            version = cipher.encrypt_version(policy, item_int(item, "key_version"))
            text = cipher.encrypt(policy, version, plaintext, optional_b64(item, "context"),
                                  optional_b64(item, "nonce"),
                                  optional_b64(item, "associated_data"), random)
            return {"ciphertext": text, "key_version": version}

        results, ok, failed = run(items, work, lambda e: {"error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed)

    async def _key_for_encrypt(self, request: Request, data: FieldData, first: Item) -> Policy:
        name = data.get_str("name")
        policy = await self.policy(request, name)
        if policy is not None:
            return policy
        if request.operation is not Operation.CREATE:
            raise UserError("encryption key not found")
        requested = data.get_str("type")
        if requested.startswith("ecdsa-"):
            raise UserError(f"key type {requested} not supported for this operation")
        key_type = kt.BY_NAME.get(requested)
        if key_type is None or not key_type.symmetric:  # Vault upserts AEAD keys only
            raise UserError(f"unknown key type {requested}")
        convergent = data.get_bool("convergent_encryption")
        derived = bool(item_str(first, "context"))
        if convergent and not derived:
            raise UserError("convergent encryption requires derivation to be enabled, so "
                            "context is required")
        if derived and not key_type.derivation:
            raise UserError("key derivation and convergent encryption not supported for "
                            f"keys of type {key_type.name}")
        fresh = Policy(name=name, type=key_type, derived=derived,
                       kdf=KDF_HKDF_SHA256 if derived else 0,
                       convergent_encryption=convergent,
                       convergent_version=-1 if convergent else 0)
        async with self.store.lock:
            existing = await self.policy(request, name)
            if existing is not None:
                return existing
            await self.store.new_version(fresh)
            await self.store.save(self.storage(request), fresh)
        return fresh

    async def _decrypt(self, request: Request, data: FieldData) -> Response:
        items, is_batch = batch_items(data, SINGLE)
        if not is_batch and "ciphertext" not in items[0]:
            raise UserError("missing ciphertext to decrypt")
        same_context(items)
        policy = await self.require(request, data.get_str("name"))

        def work(item: Item) -> Item:
            plain = self._open(policy, item)
            return {"plaintext": base64.b64encode(plain).decode()}

        results, ok, failed = run(items, work, lambda e: {"plaintext": "", "error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed)

    @staticmethod
    def _open(policy: Policy, item: Item) -> bytes:
        return cipher.decrypt(policy, item_str(item, "ciphertext"),
                              optional_b64(item, "context"), optional_b64(item, "nonce"),
                              optional_b64(item, "associated_data"))

    async def _rewrap(self, request: Request, data: FieldData) -> Response:
        items, is_batch = batch_items(data, SINGLE)
        if not is_batch and "ciphertext" not in items[0]:
            raise UserError("missing ciphertext to decrypt")
        same_context(items)
        policy = await self.require(request, data.get_str("name"))
        random = self.store.random

        def work(item: Item) -> Item:
            plain = self._open(policy, item)
            version = cipher.encrypt_version(policy, item_int(item, "key_version"))
            text = cipher.encrypt(policy, version, plain, optional_b64(item, "context"),
                                  optional_b64(item, "nonce"),
                                  optional_b64(item, "associated_data"), random)
            return {"ciphertext": text, "key_version": version}

        results, ok, failed = run(items, work, lambda e: {"error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed, status_on_failure=False)
