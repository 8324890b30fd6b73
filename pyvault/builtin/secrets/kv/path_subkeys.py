"""subkeys/<path>: a secret's shape with every leaf value replaced by null.

Lets a caller see which keys exist (e.g. for a UI or an audit) without being
able to read the values; ``depth`` cuts the tree, 0 meaning no limit.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.kv.group import PathGroup, hidden_version
from pyvault.builtin.secrets.kv.params import Kind, decode, schema, secret_path
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path
from pyvault.logical.request import Request
from pyvault.logical.response import Response

KINDS = {
    "depth": (Kind.INT, "The maximum depth to traverse. No limit will be imposed if not "
                        "provided or if 0."),
    "version": (Kind.INT, "Specifies which version to retrieve. If not provided, the current "
                          "version will be used."),
}
FIELDS = schema(KINDS)


def strip_values(data: Any, max_depth: int, depth: int = 1) -> Any:
    """Vault's ``removeValues``: maps below ``max_depth`` are kept (if non-empty), every
    other value becomes None. A negative depth behaves like 1, as Vault's does."""
    if not isinstance(data, dict):
        return data
    result: dict[str, Any] = {}
    for key, value in data.items():
        deeper = depth + 1
        if isinstance(value, dict) and value and (max_depth == 0 or deeper <= max_depth):
            result[key] = strip_values(value, max_depth, deeper)
        else:
            result[key] = None
    return result


class SubkeysPaths(PathGroup):
    def paths(self) -> list[Path]:
        return [Path(patterns=("subkeys/{path:optpath}",), fields=FIELDS,
                     operations=self.operations(FIELDS, read=self._read),
                     takes_arbitrary_input=True, synopsis=SYNOPSIS, description=DESCRIPTION)]

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
        body: dict[str, Any] = {"metadata": meta.version_view(number, version), "subkeys": None}
        hidden = hidden_version(version, self.now(), body)
        if hidden is not None:
            return hidden
        secret = await self.store.read_version(storage, path, number)
        body["subkeys"] = strip_values(secret, fields.get("depth"))
        return Response(data=body)


SYNOPSIS = ("Read the structure of a secret entry from the Key-Value store with the values "
            "removed.")
DESCRIPTION = """\
This endpoint provides the subkeys within a secret entry that exists at the requested path.
The secret entry at this path will be retrieved and stripped of all data by replacing
underlying values of leaf keys (i.e. non-map keys or map keys with no underlying subkeys) with null.

The "version" parameter specifies which version of the secret to read when
generating the subkeys structure. If not provided, the current version will be used.

The "depth" parameter specifies the deepest nesting level to provide in the output.
The default value 0 will not impose any limit. If non-zero, keys that reside at the
specified depth value will be artificially treated as leaves and will thus be null
even if further underlying subkeys exist."""
