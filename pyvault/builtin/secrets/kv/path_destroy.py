"""destroy/<path>: permanently remove chosen versions' payloads.

The metadata keeps the version marked ``destroyed`` (reads answer 404 with it);
it is written before the payloads go, so a crash never leaves a live version
without data.
"""

from __future__ import annotations

from pyvault.builtin.secrets.kv.group import PathGroup
from pyvault.builtin.secrets.kv.params import Kind, decode, schema, secret_path
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request

KINDS = {"versions": (Kind.INT_SLICE, "The versions to destroy. Their data will be "
                                      "permanently deleted.")}
FIELDS = schema(KINDS)


class DestroyPaths(PathGroup):
    def paths(self) -> list[Path]:
        return [Path(patterns=("destroy/{path:optpath}",), fields=FIELDS,
                     operations=self.operations(FIELDS, create=self._destroy,
                                                update=self._destroy),
                     takes_arbitrary_input=True, synopsis=SYNOPSIS, description=DESCRIPTION)]

    async def _destroy(self, request: Request, data: FieldData) -> None:
        versions: list[int] = decode(request, data, KINDS).get("versions")
        if not versions:
            raise InvalidRequest("no version number provided")  # lower case, as Vault
        path = secret_path(data)
        storage = await self.storage(request)
        async with self.store.lock(path):
            meta = await self.store.load_meta(storage, path)
            if meta is None:
                return
            destroyed = []
            for number in versions:
                version = meta.versions.get(number)
                if version is None or version.destroyed:
                    continue
                version.destroyed = True
                destroyed.append(number)
            await self.store.save_meta(storage, meta, destroyed)


SYNOPSIS = "Permanently removes one or more versions in the KV store"
DESCRIPTION = """\
Permanently removes the specified version data for the provided key and version
numbers from the key-value store."""
