"""metadata/<path>: read, list, write settings and custom_metadata, patch, delete all.

Listing reads only storage keys (never the records), unless the caller asked
for what needs them (``exclude_deleted``, or OpenBao's ``detailed-metadata/``).
Where Vault and OpenBao differ we follow Vault: a metadata write or patch does
not move ``updated_time`` (that is the time of the last version), and PATCH of a
missing key is 404 even with nothing to change. OpenBao's additions
(``metadata_cas``, ``current_metadata_version``, ``after``/``limit``) are kept:
a Vault client never sends them.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.kv import custom_metadata
from pyvault.builtin.secrets.kv.group import PathGroup
from pyvault.builtin.secrets.kv.model import UINT32, Config, KeyMetadata
from pyvault.builtin.secrets.kv.params import Input, Kind, decode, schema, secret_path
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response

KINDS = {
    "cas_required": (Kind.BOOL, "If true the key will require the cas parameter to be set on "
                                "all write requests. If false, the backend's configuration "
                                "will be used."),
    "metadata_cas_required": (Kind.BOOL, "If true the key will require the cas parameter to "
                                         "be set on all metadata update requests."),
    "max_versions": (Kind.INT, "The number of versions to keep. If not set, the backend's "
                               "configured max version is used."),
    "delete_version_after": (Kind.DURATION, "The length of time before a version is deleted. "
                                            "If not set, the backend's configured "
                                            "delete_version_after is used. A zero duration "
                                            "clears the current setting."),
    "custom_metadata": (Kind.MAP, "User-provided key-value pairs that are used to describe "
                                  "arbitrary and version-agnostic information about a "
                                  "secret."),
    "metadata_cas": (Kind.INT, "Check-and-set parameter for metadata updates: the current "
                               "metadata version, or 0 to create."),
    "after": (Kind.STRING, "List only the keys after this one (listing only)."),
    "limit": (Kind.INT, "Return at most this many keys (listing only)."),
    "exclude_deleted": (Kind.BOOL, "Leave out keys whose latest version is deleted "
                                   "(listing only)."),
}
FIELDS = schema(KINDS)
LIST_KINDS = {k: KINDS[k] for k in ("after", "limit")}
LIST_FIELDS = schema(LIST_KINDS)
PATCHABLE = ("max_versions", "cas_required", "metadata_cas_required", "delete_version_after",
             "custom_metadata")
CAS_IGNORED = ('"{name}" set to false, but is mandated by backend config. '
               "This value will be ignored.")


def _cas_warnings(fields: Input, config: Config) -> list[str]:
    warnings = []
    for name, required in (("cas_required", config.cas_required),
                           ("metadata_cas_required", config.metadata_cas_required)):
        value, given = fields.get_ok(name)
        if given and required and not value:
            warnings.append(CAS_IGNORED.format(name=name))
    return warnings


def _check_metadata_cas(fields: Input, config: Config, meta: KeyMetadata | None) -> None:
    """OpenBao's metadata check-and-set (a no-op unless a client opts in)."""
    value, given = fields.get_ok("metadata_cas")
    if ((meta is not None and meta.metadata_cas_required) or config.metadata_cas_required) \
            and not given:
        raise InvalidRequest("metadata check-and-set parameter required for this call")
    if not given:
        return
    if meta is None and value != 0:
        raise InvalidRequest("metadata_cas must be 0 when creating new metadata")
    if meta is not None and value % (1 << 64) != meta.current_metadata_version:
        raise InvalidRequest("metadata check-and-set parameter does not match the current "
                             "version")


class MetadataPaths(PathGroup):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("metadata/{path:optpath}",), fields=FIELDS,
                 operations=self.operations(
                     FIELDS, read=self._read, list=self._list, create=self._write,
                     update=self._write, patch=self._patch, delete=self._delete),
                 existence_check=self._exists, takes_arbitrary_input=True,
                 synopsis=SYNOPSIS, description=DESCRIPTION),
            Path(patterns=("detailed-metadata/{path:optpath}",), fields=LIST_FIELDS,
                 operations=self.operations(LIST_FIELDS, list=self._detailed_list),
                 takes_arbitrary_input=True, synopsis=DETAILED_SYNOPSIS,
                 description=DETAILED_DESCRIPTION),
        ]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        storage = await self.storage(request)
        return await self.store.peek_meta(storage, secret_path(data)) is not None

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        decode(request, data, KINDS)
        meta = await self.store.peek_meta(await self.storage(request), secret_path(data))
        return None if meta is None else Response(data=meta.view())

    async def _keys(self, request: Request, data: FieldData, fields: Input) -> tuple[
            str, list[str]]:
        folder = secret_path(data)
        if folder and not folder.endswith("/"):
            folder += "/"
        keys = await self.store.list_meta(await self.storage(request), folder)
        after, limit = fields.get("after"), fields.get("limit")
        if after:
            keys = [k for k in keys if k > after]
        if limit > 0:
            keys = keys[:limit]
        return folder, keys

    async def _list(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, KINDS)
        folder, keys = await self._keys(request, data, fields)
        if fields.get("exclude_deleted"):
            keys = [k for k in keys if k.endswith("/") or not await self._deleted(
                request, folder + k)]
        return Response(data={"keys": keys}) if keys else None

    async def _deleted(self, request: Request, path: str) -> bool:
        """Vault's ``exclude_deleted`` test: the latest version has any deletion time."""
        meta = await self.store.peek_meta(await self.storage(request), path)
        latest = meta.versions.get(meta.current_version) if meta else None
        return latest is not None and latest.deletion is not None

    async def _detailed_list(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, LIST_KINDS)
        folder, keys = await self._keys(request, data, fields)
        if not keys:
            return None
        storage = await self.storage(request)
        info: dict[str, Any] = {}
        for key in keys:
            meta = None if key.endswith("/") else await self.store.peek_meta(
                storage, folder + key)
            info[key] = {} if meta is None else meta.view()
        return Response(data={"key_info": info, "keys": keys})

    async def _write(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, KINDS, existence_checked=True)
        path = secret_path(data)
        if not path:
            raise InvalidRequest("missing path")
        if not any(fields.given(name) for name in PATCHABLE):
            return None
        storage = await self.storage(request)
        config = await self.store.config(storage)
        pairs = None
        if fields.given("custom_metadata"):
            pairs = custom_metadata.parse(fields.get("custom_metadata"), drop_nulls=False)
            custom_metadata.validate(pairs)
        warnings = _cas_warnings(fields, config)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            _check_metadata_cas(fields, config, meta)
            if meta is None:
                now = self.now()
                meta = KeyMetadata(key=path, created_time=now, updated_time=now,
                                   current_metadata_version=1)
            else:
                meta.current_metadata_version += 1
            if fields.given("max_versions"):
                meta.max_versions = fields.get("max_versions") % UINT32  # a Go uint32
            if fields.given("cas_required"):
                meta.cas_required = fields.get("cas_required")
            if fields.given("metadata_cas_required"):
                meta.metadata_cas_required = fields.get("metadata_cas_required")
            if fields.given("delete_version_after"):
                meta.delete_version_after = fields.get("delete_version_after") or None
            if pairs is not None:
                meta.custom_metadata = pairs
            await self.store.save_meta(storage, meta)
        return Response(warnings=warnings) if warnings else None

    async def _patch(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, KINDS)
        path = secret_path(data)
        if not path:
            raise InvalidRequest("missing path")
        if fields.given("custom_metadata"):
            custom_metadata.validate(
                custom_metadata.parse(fields.get("custom_metadata"), drop_nulls=True))
        storage = await self.storage(request)
        config = await self.store.config(storage)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return Response(status=404)
            _check_metadata_cas(fields, config, meta)
            warnings = _cas_warnings(fields, config)
            if fields.given("max_versions"):
                value = fields.get("max_versions")
                if not 0 <= value < UINT32:  # Vault fails decoding the merged record
                    raise InvalidRequest(f"json: cannot unmarshal number {value} into Go "
                                         "struct field .max_versions of type uint32")
                meta.max_versions = value
            if fields.given("cas_required"):
                meta.cas_required = fields.get("cas_required")
            if fields.given("metadata_cas_required"):
                meta.metadata_cas_required = fields.get("metadata_cas_required")
            if fields.given("delete_version_after"):
                meta.delete_version_after = fields.get("delete_version_after") or None
            if fields.given("custom_metadata"):
                meta.custom_metadata = custom_metadata.apply_patch(
                    meta.custom_metadata, fields.get("custom_metadata"))
            meta.current_metadata_version += 1
            await self.store.save_meta(storage, meta)
        return Response(warnings=warnings) if warnings else None

    async def _delete(self, request: Request, data: FieldData) -> None:
        decode(request, data, KINDS)
        path = secret_path(data)
        storage = await self.storage(request)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return
            # One transaction: no crash can leave metadata pointing at missing payloads.
            await self.store.delete_meta(storage, path, sorted(meta.versions))


SYNOPSIS = "Allows interaction with key metadata and settings in the KV store."
DESCRIPTION = """\
This endpoint allows for reading key metadata in the key-value store, writing
key settings, or permanently deleting a key and all its versions."""
DETAILED_SYNOPSIS = "Allows listing detailed information about key metadata in the KV store."
DETAILED_DESCRIPTION = """\
This endpoint allows for listing keys and their metadata in the key-value store."""
