"""keys/<name>/config, keys/<name>/rotate, keys/<name>/trim and cache-config."""

from __future__ import annotations

from pyvault.builtin.secrets.transit.common import NAME, NS, Group, key_view
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.path_keys import check_rotate_period
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

CONFIG_FIELDS = {
    "name": NAME,
    "min_decryption_version": Field(type=FieldType.INT, description="Oldest version that "
                                    "may decrypt or verify."),
    "min_encryption_version": Field(type=FieldType.INT, description="Oldest version that "
                                    "may encrypt or sign (0 = latest)."),
    "deletion_allowed": Field(type=FieldType.BOOL, description="Whether the key may be "
                              "deleted."),
    "exportable": Field(type=FieldType.BOOL, description="Allow export (cannot be undone)."),
    "allow_plaintext_backup": Field(type=FieldType.BOOL, description="Allow plaintext "
                                    "backups (cannot be undone)."),
    "auto_rotate_period": Field(type=FieldType.DURATION, description="Automatic rotation "
                                "period (0 disables; at least 1h)."),
}
ROTATE_FIELDS = {"name": NAME,
                 "managed_key_name": Field(description="Unsupported: managed keys."),
                 "managed_key_id": Field(description="Unsupported: managed keys.")}
TRIM_FIELDS = {"name": NAME,
               "min_available_version": Field(type=FieldType.INT, description="Versions "
                                              "older than this are deleted for good.")}
CACHE_FIELDS = {"size": Field(type=FieldType.INT, default=0, description="Number of keys "
                              "cached (0 = unlimited, else at least 10).")}


class KeyConfigPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("keys/{name}/config",), fields=CONFIG_FIELDS,
                 operations=ops(update=self._config), synopsis="Configure a named key",
                 description="Configures versions, deletion, export and rotation."),
            Path(patterns=("keys/{name}/rotate",), fields=ROTATE_FIELDS,
                 operations=ops(update=self._rotate), synopsis="Rotate named encryption key",
                 description="Adds a new version of the key; old ones still decrypt."),
            Path(patterns=("keys/{name}/trim",), fields=TRIM_FIELDS,
                 operations=ops(update=self._trim), synopsis="Trim key versions",
                 description="Deletes key versions older than min_available_version."),
            Path(patterns=("cache-config",), fields=CACHE_FIELDS,
                 operations=ops(read=self._cache_read, update=self._cache_write),
                 synopsis="Configures the key cache size",
                 description="Size 0 caches every key; changes apply after a remount."),
        ]

    async def _config(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("name")
        async with self.store.lock:
            policy = await self.policy(request, name)
            if policy is None:
                raise UserError(f"no existing key named {name} could be found")
            warnings: list[str] = []
            min_dec, min_enc = policy.min_decryption_version, policy.min_encryption_version
            if data.given("min_decryption_version"):
                value = data.get_int("min_decryption_version")
                if value < 0:
                    raise UserError("min decryption version cannot be negative")
                if value == 0:
                    value = 1
                    warnings.append("since Vault 0.3, transit key numbering starts at 1; "
                                    "forcing minimum to 1")
                if value != min_dec and value > policy.latest_version:
                    raise UserError(f"cannot set min decryption version of {value}, latest "
                                    f"key version is {policy.latest_version}")
                min_dec = value
            if data.given("min_encryption_version"):
                value = data.get_int("min_encryption_version")
                if value < 0:
                    raise UserError("min encryption version cannot be negative")
                if value != min_enc and value > policy.latest_version:
                    raise UserError(f"cannot set min encryption version of {value}, latest "
                                    f"key version is {policy.latest_version}")
                min_enc = value
            if 0 < min_enc < min_dec:
                raise UserError("cannot set min encryption/decryption values; min encryption "
                                f"version of {min_enc} must be greater than or equal to min "
                                f"decryption version of {min_dec}")
            rotate = policy.auto_rotate_period_ns
            if data.given("auto_rotate_period"):
                rotate = check_rotate_period(data.get_int("auto_rotate_period")) * NS
            if policy.min_available_version > min_enc:
                raise UserError("min encryption version should not be less than min "
                                "available version")
            if policy.min_available_version > min_dec:
                raise UserError("min decryption version should not be less then min "
                                "available version")
            policy.min_decryption_version, policy.min_encryption_version = min_dec, min_enc
            policy.auto_rotate_period_ns = rotate
            if data.given("deletion_allowed"):
                policy.deletion_allowed = data.get_bool("deletion_allowed")
            # exportable and allow_plaintext_backup can be turned on, never off.
            policy.exportable = policy.exportable or data.get_bool("exportable")
            policy.allow_plaintext_backup = (policy.allow_plaintext_backup
                                             or data.get_bool("allow_plaintext_backup"))
            await self.store.save(self.storage(request), policy)
        return Response(data=key_view(policy), warnings=warnings)

    async def _rotate(self, request: Request, data: FieldData) -> Response:
        async with self.store.lock:
            policy = await self.policy(request, data.get_str("name"))
            if policy is None:
                raise UserError("key not found")
            if policy.imported and not policy.allow_imported_key_rotation:
                # OpenBao: a 500 with this text; a 400 here.
                raise UserError(multierror(f"imported key {policy.name} does not allow "
                                           "rotation within Vault"))
            await self.store.rotate(self.storage(request), policy)
        return Response(data=key_view(policy))

    async def _trim(self, request: Request, data: FieldData) -> Response:
        async with self.store.lock:
            policy = await self.policy(request, data.get_str("name"))
            if policy is None:
                raise UserError("invalid key name")
            if not data.given("min_available_version"):
                raise UserError("missing min_available_version")
            value = data.get_int("min_available_version")
            if value < policy.min_available_version:
                raise UserError("minimum available version cannot be decremented")
            if policy.min_encryption_version == 0:
                raise UserError("minimum available version cannot be set when minimum "
                                "encryption version is not set")
            if policy.min_decryption_version == 0:
                raise UserError("minimum available version cannot be set when minimum "
                                "decryption version is not set")
            if value > policy.min_encryption_version:
                raise UserError("cannot set minimum available version greater than minimum "
                                "encryption version")
            if value > policy.min_decryption_version:
                raise UserError("cannot set minimum available version greater than minimum "
                                "decryption version")
            if value < 0:
                raise UserError("cannot set minimum available version to a negative number")
            if value == 0:
                raise UserError("cannot set minimum available version to zero")
            policy.min_available_version = value
            for version in [v for v in policy.keys if v < value]:
                del policy.keys[version]
            await self.store.save(self.storage(request), policy)
        return Response(data=key_view(policy))

    async def _cache_read(self, request: Request, data: FieldData) -> Response:
        return Response(data={"size": await self.store.cache_size_of(self.storage(request))})

    async def _cache_write(self, request: Request, data: FieldData) -> Response:
        size = data.get_int("size")
        if size != 0 and size < 10:
            raise UserError("size must be 0 or a value greater or equal to 10")
        await self.store.set_cache_size(self.storage(request), size)
        return Response(data={"size": size})
