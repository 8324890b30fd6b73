"""keys/<name> (create, read, delete) and the keys list."""

from __future__ import annotations

from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.common import NAME, NS, Group, key_view, optional_b64
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import KDF_HKDF_SHA256, Policy
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import NotFound
from pyvault.logical.request import Request
from pyvault.logical.response import Response

HOUR = 3600

CREATE_FIELDS = {
    "name": NAME,
    "type": Field(type=FieldType.STRING, default="aes256-gcm96",
                  description="The type of key to create."),
    "derived": Field(type=FieldType.BOOL, description="Enables key derivation; a context "
                     "must then be supplied with every request."),
    "convergent_encryption": Field(type=FieldType.BOOL, description="Deterministic "
                                   "encryption; requires derived."),
    "exportable": Field(type=FieldType.BOOL, description="Allows the key to be exported."),
    "allow_plaintext_backup": Field(type=FieldType.BOOL, description="Allows a plaintext "
                                    "backup of the key."),
    "auto_rotate_period": Field(type=FieldType.DURATION, description="Rotate automatically "
                                "after this long (0 disables; at least 1h)."),
    "key_size": Field(type=FieldType.INT, description="HMAC key size in bytes (32 to 512)."),
    "context": Field(type=FieldType.STRING, description="Base64 context used to show a "
                     "derived ed25519 public key."),
}


def check_rotate_period(seconds: int) -> int:
    if seconds != 0 and seconds < HOUR:
        raise UserError("auto rotate period must be 0 to disable or at least an hour")
    return seconds


class KeyPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("keys",), operations=ops(list=self._list),
                 synopsis="Managed named encryption keys",
                 description="This path is used to list the named keys."),
            Path(patterns=("keys/{name}",), fields=CREATE_FIELDS,
                 operations=ops(read=self._read, update=self._create, delete=self._delete),
                 synopsis="Managed named encryption keys",
                 description="Create, read and delete named transit keys."),
        ]

    async def _list(self, request: Request, data: FieldData) -> Response:
        names = await self.store.names(self.storage(request))
        if not names:
            raise NotFound()
        return Response(data={"keys": names})

    async def _read(self, request: Request, data: FieldData) -> Response:
        policy = await self.policy(request, data.get_str("name"))
        if policy is None:
            raise NotFound()
        return Response(data=key_view(policy, optional_b64(data, "context")))

    async def _create(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("name")
        policy = self._new_policy(name, data)
        async with self.store.lock:
            existing = await self.policy(request, name)
            if existing is not None:
                # Vault warns that nothing changed (OpenBao does not).
                return Response(data=key_view(existing),
                                warnings=[f"key {name} already existed"])
            await self.store.new_version(policy)
            await self.store.save(self.storage(request), policy)
        return Response(data=key_view(policy))

    def _new_policy(self, name: str, data: FieldData) -> Policy:
        derived = data.get_bool("derived")
        convergent = data.get_bool("convergent_encryption")
        rotate = check_rotate_period(data.get_int("auto_rotate_period"))
        if not derived and convergent:
            raise UserError("convergent encryption requires derivation to be enabled")
        key_type = kt.BY_NAME.get(data.get_str("type"))
        if key_type is None:
            raise UserError(f"unknown key type {data.get_str('type')}")
        key_size = data.get_int("key_size")
        if key_size != 0:
            if key_type is not kt.HMAC:
                raise UserError(f"key_size is not valid for algorithm {key_type.name}")
            if not kt.HMAC_MIN_KEY_SIZE <= key_size <= kt.HMAC_MAX_KEY_SIZE:
                raise UserError(f"invalid key_size {key_size}")
        elif key_type is kt.HMAC:
            key_size = kt.HMAC_MIN_KEY_SIZE  # Vault's default; OpenBao fails with a 500
        if (derived or convergent) and not key_type.derivation:
            raise UserError("key derivation and convergent encryption not supported for "
                            f"keys of type {key_type.name}")
        if convergent and not key_type.symmetric:
            raise UserError(f"convergent encryption not supported for keys of type "
                            f"{key_type.name}")
        return Policy(
            name=name, type=key_type, derived=derived,
            kdf=KDF_HKDF_SHA256 if derived else 0, convergent_encryption=convergent,
            convergent_version=-1 if convergent else 0,
            exportable=data.get_bool("exportable"),
            allow_plaintext_backup=data.get_bool("allow_plaintext_backup"),
            auto_rotate_period_ns=rotate * NS, key_size=key_size,
        )

    async def _delete(self, request: Request, data: FieldData) -> None:
        name = data.get_str("name")
        async with self.store.lock:
            policy = await self.policy(request, name)
            if policy is None:
                raise UserError(f"error deleting policy {name}: could not delete key; "
                                "not found")
            if not policy.deletion_allowed:
                raise UserError(f"error deleting policy {name}: deletion is not allowed "
                                "for this key")
            await self.store.delete(self.storage(request), name)
