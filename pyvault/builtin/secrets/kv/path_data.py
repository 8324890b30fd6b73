"""data/<path>: read a version, write a new one (with check-and-set), patch, soft delete.

Each write adds a version; versions beyond the window (the larger of the key's
and the mount's ``max_versions``, else 10) are pruned, their payloads deleted.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.kv import goparse, layout
from pyvault.builtin.secrets.kv.group import PathGroup, hidden_version
from pyvault.builtin.secrets.kv.model import Config, KeyMetadata, deletion_time
from pyvault.builtin.secrets.kv.params import Kind, decode, schema, secret_path
from pyvault.builtin.secrets.kv.patch import merge_patch
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.errors import InternalError, InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage

KINDS = {
    "version": (Kind.INT, "If provided during a read, the value at the version number "
                          "will be returned"),
    "options": (Kind.MAP, 'Options for writing a KV entry. Set the "cas" value to use a '
                          "Check-And-Set operation. If not set the write will be allowed. "
                          "If set to 0 a write will only be allowed if the key doesn't exist. "
                          "If the index is non-zero the write will only be allowed if the "
                          "key's current version matches the version specified in the cas "
                          "parameter."),
    "data": (Kind.MAP, "The contents of the data map will be stored and returned on read."),
}
FIELDS = schema(KINDS)


def check_and_set(options: dict[str, Any] | None, config: Config, meta: KeyMetadata) -> None:
    """Vault's ``validateCheckAndSetOption``: ``cas`` must equal the current version."""
    if options is not None and "cas" in options:
        try:
            cas = goparse.weak_int(options["cas"])
        except goparse.GoDecodeError:
            raise InvalidRequest("error parsing check-and-set parameter") from None
        if cas % (1 << 64) != meta.current_version:  # Go compares as uint64
            raise InvalidRequest("check-and-set parameter did not match the current version")
    elif config.cas_required or meta.cas_required:
        raise InvalidRequest("check-and-set parameter required for this call")


class DataPaths(PathGroup):
    def paths(self) -> list[Path]:
        return [Path(
            # Vault's pattern refuses a trailing slash (those fall to the invalid-path answer).
            patterns=("data/{path:.*[^/]}",), fields=FIELDS,
            operations=self.operations(FIELDS, read=self._read, create=self._write,
                                       update=self._write, patch=self._patch,
                                       delete=self._delete),
            existence_check=self._exists, takes_arbitrary_input=True,
            synopsis=SYNOPSIS, description=DESCRIPTION)]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        storage = await self.storage(request)
        return await self.store.peek_meta(storage, secret_path(data)) is not None

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, KINDS)
        storage = await self.storage(request)
        path = secret_path(data)
        meta = await self.store.peek_meta(storage, path)
        if meta is None:
            return None
        number = fields.get("version") if fields.get("version") > 0 else meta.current_version
        version = meta.versions.get(number)
        if version is None:
            return None
        body: dict[str, Any] = {"data": None, "metadata": meta.version_view(number, version)}
        hidden = hidden_version(version, self.now(), body)
        if hidden is not None:
            return hidden
        body["data"] = await self.store.read_version(storage, path, number)
        return Response(data=body)

    async def _write(self, request: Request, data: FieldData) -> Response:
        fields = decode(request, data, KINDS, existence_checked=True)
        path = secret_path(data)
        if not path:
            raise InvalidRequest("missing path")
        storage = await self.storage(request)
        config = await self.store.config(storage)
        payload, given = fields.get_ok("data")
        if not given:
            raise InvalidRequest("no data provided")
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path) or KeyMetadata(key=path)
            check_and_set(fields.get("options"), config, meta)
            return await self._add_version(storage, config, meta, layout.encode(payload))

    async def _patch(self, request: Request, data: FieldData) -> Response | None:
        fields = decode(request, data, KINDS)
        path = secret_path(data)
        patch, given = fields.get_ok("data")
        if not given:
            raise InvalidRequest("no data provided")
        storage = await self.storage(request)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return Response(status=404)
            config = await self.store.config(storage)
            check_and_set(fields.get("options"), config, meta)
            current = meta.versions.get(meta.current_version)
            if current is None:
                return Response(status=404)
            view = meta.version_view(meta.current_version, current)
            hidden = hidden_version(current, self.now(), view)
            if hidden is not None:
                return hidden
            existing = await self.store.read_version(storage, path, meta.current_version)
            if existing is None:  # a version written as JSON null cannot be patched
                raise InternalError(multierror("resource does not exist"))
            merged = merge_patch(existing, patch)
            return await self._add_version(storage, config, meta, layout.encode(merged))

    async def _add_version(self, storage: Storage, config: Config, meta: KeyMetadata,
                           payload: bytes) -> Response:
        """Store the payload as the next version, then prune what fell out of the window."""
        created = self.now()
        number = meta.current_version + 1
        oldest_before = meta.oldest_version
        version, prune_to = meta.add_version(
            created, deletion_time(created, config, meta), config.max_versions)
        await self.store.save_version(storage, meta, number, payload,
                                      range(max(oldest_before, 1), prune_to + 1))
        return Response(data=meta.version_view(number, version))

    async def _delete(self, request: Request, data: FieldData) -> None:
        decode(request, data, KINDS)
        path = secret_path(data)
        storage = await self.storage(request)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return
            latest = meta.versions.get(meta.current_version)
            now = self.now()
            if latest is None or latest.destroyed or latest.deleted_at(now):
                return
            latest.deletion = now
            await self.store.save_meta(storage, meta)


SYNOPSIS = "Write, Patch, Read, and Delete data in the Key-Value Store."
DESCRIPTION = """\
This path takes a key name and based on the operation stores, retrieves or
deletes versions of data.

If a write operation is used the endpoint takes an options object and a data
object. The options object is used to pass some options to the write command and
the data object is encrypted and stored in the storage backend. Each write
operation for a key creates a new version and does not overwrite the previous
data.

A patch operation must be performed on an existing secret. The secret must neither
be deleted nor destroyed. Like a write operation, patch operations accept an
options object and data object. The options object is used to pass some options to
the patch command and the data object is used to perform a partial update on the
current version of the secret and store the encrypted result in the storage backend.

A read operation will return the latest version for a key unless the "version"
parameter is set, then it returns the version at that number.

Delete operations are a soft delete. They will mark the latest version as
deleted, but the underlying data will not be fully removed. Delete operations
can be undone."""
