"""delete/<path> and undelete/<path>: soft-delete chosen versions, or bring them back.

A soft delete only stamps ``deletion_time``; the payload stays until destroyed or
pruned, so undelete can clear the stamp (or restart the ``delete_version_after``
clock). Destroyed versions are left alone by both.
"""

from __future__ import annotations

from pyvault.builtin.secrets.kv.group import PathGroup
from pyvault.builtin.secrets.kv.model import deletion_time
from pyvault.builtin.secrets.kv.params import Kind, decode, schema, secret_path
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request

DELETE_KINDS = {"versions": (Kind.INT_SLICE, "The versions to be archived. The versioned data "
                                             "will not be deleted, but it will no longer be "
                                             "returned in normal get requests.")}
UNDELETE_KINDS = {"versions": (Kind.INT_SLICE, "The versions to unarchive. The versions will "
                                               "be restored and their data will be returned "
                                               "on normal get requests.")}
DELETE_FIELDS = schema(DELETE_KINDS)
UNDELETE_FIELDS = schema(UNDELETE_KINDS)
NO_VERSION = "No version number provided"


class DeletePaths(PathGroup):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("delete/{path:optpath}",), fields=DELETE_FIELDS,
                 operations=self.operations(DELETE_FIELDS, create=self._delete,
                                            update=self._delete),
                 takes_arbitrary_input=True, synopsis=DELETE_SYNOPSIS,
                 description=DELETE_DESCRIPTION),
            Path(patterns=("undelete/{path:optpath}",), fields=UNDELETE_FIELDS,
                 operations=self.operations(UNDELETE_FIELDS, create=self._undelete,
                                            update=self._undelete),
                 takes_arbitrary_input=True, synopsis=UNDELETE_SYNOPSIS,
                 description=UNDELETE_DESCRIPTION),
        ]

    async def _delete(self, request: Request, data: FieldData) -> None:
        versions: list[int] = decode(request, data, DELETE_KINDS).get("versions")
        if not versions:
            raise InvalidRequest(NO_VERSION)
        path = secret_path(data)
        storage = await self.storage(request)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return
            now = self.now()
            for number in versions:
                version = meta.versions.get(number)
                if version is None or version.destroyed or version.deleted_at(now):
                    continue
                version.deletion = now
            await self.store.save_meta(storage, meta)

    async def _undelete(self, request: Request, data: FieldData) -> None:
        versions: list[int] = decode(request, data, UNDELETE_KINDS).get("versions")
        if not versions:
            raise InvalidRequest(NO_VERSION)
        path = secret_path(data)
        storage = await self.storage(request)
        config = await self.store.config(storage)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return
            now = self.now()
            for number in versions:
                version = meta.versions.get(number)
                if version is None or version.destroyed:
                    continue
                version.deletion = deletion_time(now, config, meta)
            await self.store.save_meta(storage, meta)


DELETE_SYNOPSIS = "Marks one or more versions as deleted in the KV store."
DELETE_DESCRIPTION = """\
Deletes the data for the provided version and path in the key-value store. The
versioned data will not be fully removed, but marked as deleted and will no
longer be returned in normal get requests. This operation can be undone."""
UNDELETE_SYNOPSIS = "Undeletes one or more versions from the KV store."
UNDELETE_DESCRIPTION = """\
Undeletes the data for the provided version and path in the key-value store.
This restores the data, allowing it to be returned on get requests."""
