"""Every other path of a v2 mount: a 404 whose warning says what to use instead.

Users often send v1-style paths (``secret/foo``) to a v2 mount. We word the hint
as HashiCorp Vault does ("Vault CLI", ``vault kv``); OpenBao names its own CLI.
"""

from __future__ import annotations

from pyvault.builtin.secrets.kv.params import with_param_warnings
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response

ROOTS = ("metadata", "data", "delete", "undelete", "destroy")
ROOT_WARNING = "Non-listing operations on the root of a K/V v2 mount are not supported."
INVALID_WARNING = (
    "Invalid path for a versioned K/V secrets engine. See the API docs for the "
    "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv {command}' "
    "for this operation."
)
_COMMANDS = {Operation.CREATE: "put", Operation.UPDATE: "put", Operation.PATCH: "patch",
             Operation.READ: "get", Operation.LIST: "list", Operation.DELETE: "delete"}


async def _invalid(request: Request, data: FieldData) -> Response:
    if request.path in ROOTS:
        warning = ROOT_WARNING
    else:
        warning = INVALID_WARNING.format(command=_COMMANDS.get(request.operation, ""))
    return Response(warnings=[warning], status=404)


def invalid_paths() -> list[Path]:
    """Must come last: it matches everything."""
    # Vault's catch-all declares no fields: every body key is reported as ignored.
    handler = with_param_warnings({}, _invalid)
    handlers = {name: handler for name in ("read", "create", "update", "patch", "delete",
                                           "list")}
    return [Path(patterns=("{path:optpath}",),
                 fields={"path": Field(type=FieldType.STRING, description="Any other path.")},
                 operations=ops(**handlers), takes_arbitrary_input=True,
                 synopsis="Paths a versioned K/V mount does not serve.",
                 description=HELP)]


HELP = """\
The following paths are supported by this backend:

    ^config$          Configures settings for the KV store
    ^data/.*$         Write, Read, and Delete data in the KV store.
    ^delete/.*$       Marks one or more versions as deleted in the KV store.
    ^destroy/.*$      Permanently removes one or more versions in the KV store
    ^metadata/.*$     Configures settings for the KV store
    ^undelete/.*$     Undeletes one or more versions from the KV store.
    ^subkeys/.*$      Read the subkeys within the data from the KV store without their
                      associated values"""
