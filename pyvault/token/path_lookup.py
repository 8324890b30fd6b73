"""auth/token/lookup, lookup-self and lookup-accessor."""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, PermissionDenied, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext
from pyvault.token.view import lookup_data


class LookupPaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("lookup",),
                 fields={"token": Field(description="Token to lookup (POST request body)",
                                        sensitive=True)},
                 operations=ops(read=self._lookup, update=self._lookup),
                 synopsis=LOOKUP_HELP, description=LOOKUP_HELP),
            Path(patterns=("lookup-accessor",),
                 fields={"accessor": Field(description="Accessor of the token to look up"
                                                       " (request body)")},
                 operations=ops(update=self._lookup_accessor),
                 synopsis=LOOKUP_ACCESSOR_HELP, description=LOOKUP_ACCESSOR_HELP),
            Path(patterns=("lookup-self",),
                 fields={"token": Field(description="Token to look up (unused, does not need"
                                                    " to be set)", sensitive=True)},
                 operations=ops(read=self._lookup_self, update=self._lookup_self),
                 synopsis=LOOKUP_HELP, description=LOOKUP_HELP),
        ]

    async def _lookup(self, request: Request, data: FieldData) -> Response:
        return await self._answer(data.get_str("token") or request.client_token)

    async def _lookup_self(self, request: Request, data: FieldData) -> Response:
        return await self._answer(request.client_token)

    async def _answer(self, token: str) -> Response:
        if not token:
            raise InvalidRequest("missing token ID")
        entry = await self._ctx.store.lookup_tainted(token)
        if entry is None:
            raise PermissionDenied("bad token")
        return Response(data=await lookup_data(entry, token, self._ctx.expiration))

    async def _lookup_accessor(self, request: Request, data: FieldData) -> Response:
        accessor = data.get_str("accessor")
        if not accessor:
            raise InvalidRequest(multierror("missing accessor"))
        entry = await self._ctx.store.entry_by_accessor(accessor)
        if entry is None:
            raise InvalidRequest(multierror("invalid accessor"))
        return Response(data=await lookup_data(entry, "", self._ctx.expiration))


LOOKUP_HELP = "This endpoint will lookup a token and its properties."
LOOKUP_ACCESSOR_HELP = (
    "This endpoint will lookup a token associated with the given accessor and its "
    "properties. Response will not contain the token ID."
)
