"""auth/token/renew, renew-self and renew-accessor."""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext
from pyvault.token.durations import check_not_negative
from pyvault.token.entry import TokenEntry
from pyvault.token.view import auth_block

_INCREMENT = Field(type=FieldType.DURATION, default=0,
                   description="The desired increment in seconds to the token expiration")


class RenewPaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("renew-accessor",),
                 fields={"accessor": Field(description="Accessor of the token to renew"
                                                       " (request body)"),
                         "increment": _INCREMENT},
                 operations=ops(update=self._renew_accessor),
                 synopsis=RENEW_ACCESSOR_HELP, description=RENEW_ACCESSOR_HELP),
            Path(patterns=("renew-self",),
                 fields={"token": Field(description="Token to renew (unused, does not need to"
                                                    " be set)", sensitive=True),
                         "increment": _INCREMENT},
                 operations=ops(update=self._renew_self),
                 synopsis=RENEW_SELF_HELP, description=RENEW_SELF_HELP),
            Path(patterns=("renew",),
                 fields={"token": Field(description="Token to renew (request body)",
                                        sensitive=True),
                         "increment": _INCREMENT},
                 operations=ops(update=self._renew),
                 synopsis=RENEW_HELP, description=RENEW_HELP),
        ]

    async def _renew(self, request: Request, data: FieldData) -> Response | None:
        token = data.get_str("token")
        if not token:
            raise InvalidRequest("missing token ID")
        return await self._renew_token(token, await self._ctx.store.lookup(token), data)

    async def _renew_self(self, request: Request, data: FieldData) -> Response | None:
        token = request.client_token
        if not token:
            raise InvalidRequest("missing token ID")
        return await self._renew_token(token, await self._ctx.store.lookup(token), data)

    async def _renew_accessor(self, request: Request, data: FieldData) -> Response | None:
        accessor = data.get_str("accessor")
        if not accessor:
            raise InvalidRequest(multierror("missing accessor"))
        target = await self._ctx.store.accessor_target(accessor)
        if target is None:
            raise InvalidRequest(multierror("invalid accessor"))
        # The token string is never stored: the answer carries no client_token.
        return await self._renew_token("", await self._ctx.store.live_by_hash(target), data)

    async def _renew_token(self, token: str, entry: TokenEntry | None,
                           data: FieldData) -> Response | None:
        increment = data.get_int("increment")
        check_not_negative("increment", data.raw.get("increment"), increment)
        if entry is None:
            raise InvalidRequest("token not found")
        if entry.token_type == "batch":
            raise InvalidRequest("batch tokens cannot be renewed")
        system = self._ctx.system
        renewed = await self._ctx.store.renew(
            entry, increment, default_ttl=system.default_lease_ttl(),
            max_ttl=system.max_lease_ttl(),
        )
        if renewed is None:  # the auth method declined (e.g. its user is gone)
            return None
        lease, warnings = renewed
        auth = auth_block(entry, token, ttl=lease.ttl, renewable=lease.renewable,
                          num_uses=lease.num_uses)
        return Response(auth=auth, warnings=warnings)


RENEW_HELP = "This endpoint will renew the given token and prevent expiration."
RENEW_SELF_HELP = "This endpoint will renew the token used to call it and prevent expiration."
RENEW_ACCESSOR_HELP = (
    "This endpoint will renew a token associated with the given accessor and its properties. "
    "Response will not contain the token ID."
)
