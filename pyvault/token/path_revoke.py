"""auth/token/revoke, revoke-self, revoke-accessor and revoke-orphan."""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext

_TOKEN = {"token": Field(description="Token to revoke (request body)", sensitive=True)}


class RevokePaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("revoke-accessor",),
                 fields={"accessor": Field(description="Accessor of the token (request body)")},
                 operations=ops(update=self._revoke_accessor),
                 synopsis=REVOKE_ACCESSOR_HELP, description=REVOKE_ACCESSOR_HELP),
            Path(patterns=("revoke-self",), operations=ops(update=self._revoke_self),
                 synopsis=REVOKE_SELF_HELP, description=REVOKE_SELF_HELP),
            Path(patterns=("revoke",), fields=_TOKEN, operations=ops(update=self._revoke),
                 synopsis=REVOKE_HELP, description=REVOKE_HELP),
            Path(patterns=("revoke-orphan",), fields=_TOKEN,
                 operations=ops(update=self._revoke_orphan),
                 synopsis=REVOKE_ORPHAN_HELP, description=REVOKE_ORPHAN_HELP),
        ]

    async def _revoke(self, request: Request, data: FieldData) -> None:
        token = data.get_str("token")
        if not token:
            raise InvalidRequest("missing token ID")
        await self._revoke_tree(token)

    async def _revoke_self(self, request: Request, data: FieldData) -> None:
        await self._revoke_tree(request.client_token)

    async def _revoke_tree(self, token: str) -> None:
        entry = await self._ctx.store.lookup(token)
        if entry is None:
            return  # Vault: revoking an unknown token is not an error
        if entry.token_type == "batch":
            raise InvalidRequest("batch tokens cannot be revoked")
        await self._ctx.store.revoke(entry)

    async def _revoke_accessor(self, request: Request, data: FieldData) -> Response | None:
        accessor = data.get_str("accessor")
        if not accessor:
            raise InvalidRequest(multierror("missing accessor"))
        target = await self._ctx.store.accessor_target(accessor)
        if target is None:
            return Response(warnings=["No token found with this accessor"])
        entry = await self._ctx.store.live_by_hash(target)
        if entry is None:
            raise InvalidRequest("token not found")
        await self._ctx.store.revoke(entry)
        return None

    async def _revoke_orphan(self, request: Request, data: FieldData) -> None:
        token = data.get_str("token")
        if not token:
            raise InvalidRequest("missing token ID")
        if not await self._ctx.is_sudo(request):
            raise InvalidRequest("root or sudo privileges required to revoke and orphan")
        entry = await self._ctx.store.lookup(token)
        if entry is None:
            raise InvalidRequest("token to revoke not found")
        if entry.token_type == "batch":
            raise InvalidRequest("batch tokens cannot be revoked")
        await self._ctx.store.revoke(entry, orphan_children=True)


REVOKE_HELP = "This endpoint will delete the given token and all of its child tokens."
REVOKE_SELF_HELP = (
    "This endpoint will delete the token used to call it and all of its child tokens."
)
REVOKE_ACCESSOR_HELP = (
    "This endpoint will delete the token associated with the accessor and all of its child "
    "tokens."
)
REVOKE_ORPHAN_HELP = "This endpoint will delete the token and orphan its child tokens."
