"""LIST auth/token/accessors (sudo: listing every accessor invites abuse)."""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext


class AccessorPaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [Path(patterns=("accessors/", "accessors"), operations=ops(list=self._list),
                     synopsis=ACCESSORS_HELP, description=ACCESSORS_HELP)]

    async def _list(self, request: Request, data: FieldData) -> Response:
        return Response(data={"keys": await self._ctx.store.list_accessors()})


ACCESSORS_HELP = (
    "List token accessors, which can then be be used to iterate and discover their "
    "properties or revoke them. Because this can be used to cause a denial of service, "
    "this endpoint requires 'sudo' capability in addition to 'list'."
)
