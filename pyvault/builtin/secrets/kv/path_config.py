"""config: the mount-wide ``max_versions``, ``cas_required`` and ``delete_version_after``.

No existence check (as Vault's): writing the config always needs ``update``.
"""

from __future__ import annotations

from pyvault.builtin.secrets.kv.group import PathGroup
from pyvault.builtin.secrets.kv.model import DISABLED, UINT32
from pyvault.builtin.secrets.kv.params import Kind, decode, schema
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.request import Request
from pyvault.logical.response import Response

KINDS = {
    "max_versions": (Kind.INT, "The number of versions to keep for each key. Defaults to 10"),
    "cas_required": (Kind.BOOL, "If true, the backend will require the cas parameter to be "
                                "set for each write"),
    "metadata_cas_required": (Kind.BOOL, "If true, the backend will require the metadata_cas "
                                         "parameter to be set for each metadata update"),
    "delete_version_after": (Kind.SIGNED_DURATION,
                             "If set, the length of time before a version is deleted. A "
                             "negative duration disables the use of delete_version_after on "
                             "all keys. A zero duration clears the current setting. Accepts "
                             "a Go duration format string."),
}
FIELDS = {k: v for k, v in schema(KINDS).items() if k != "path"}


class ConfigPaths(PathGroup):
    def paths(self) -> list[Path]:
        return [Path(patterns=("config",), fields=FIELDS,
                     operations=self.operations(FIELDS, read=self._read, create=self._write,
                                                update=self._write),
                     takes_arbitrary_input=True, synopsis=SYNOPSIS, description=DESCRIPTION)]

    async def _read(self, request: Request, data: FieldData) -> Response:
        decode(request, data, KINDS)
        config = await self.store.config(await self.storage(request))
        return Response(data=config.view())

    async def _write(self, request: Request, data: FieldData) -> None:
        fields = decode(request, data, KINDS)
        if not any(fields.given(name) for name in KINDS):
            return
        storage = await self.storage(request)
        config = await self.store.config(storage)
        if fields.given("max_versions"):
            config.max_versions = fields.get("max_versions") % UINT32  # a Go uint32
        if fields.given("cas_required"):
            config.cas_required = fields.get("cas_required")
        if fields.given("metadata_cas_required"):
            config.metadata_cas_required = fields.get("metadata_cas_required")
        if fields.given("delete_version_after"):
            seconds = fields.get("delete_version_after")
            config.delete_version_after = DISABLED if seconds < 0 else (seconds or None)
        await self.store.save_config(storage, config)


SYNOPSIS = "Configures settings for the KV store"
DESCRIPTION = """\
This path configures backend level settings that are applied to every key in the
key-value store. This parameter accepts:

    * max_versions (int) - The number of versions to keep for each key. Defaults
      to 10

    * cas_required (bool) - If true, the backend will require the cas parameter
      to be set for each write

    * delete_version_after (duration) - If set, the length of time before a
      version is deleted. A negative duration disables the use of
      delete_version_after on all keys. A zero duration clears the current
      setting. Accepts a Go duration format string."""
