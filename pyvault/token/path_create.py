"""auth/token/create, create-orphan and create/<role>."""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext
from pyvault.token.create import create_token

_S, _I, _B = FieldType.STRING, FieldType.INT, FieldType.BOOL
# TTL-like inputs are strings here, as in Vault, so bad values get Vault's own errors.
CREATE_FIELDS = {
    "display_name": Field(type=_S, description="Name to associate with this token"),
    "explicit_max_ttl": Field(type=_S, description="Explicit Max TTL of this token"),
    "entity_alias": Field(type=_S, description="Name of the entity alias to associate with"
                                               " this token"),
    "num_uses": Field(type=_I, description="Max number of uses for this token"),
    "period": Field(type=_S, description="Renew period"),
    "renewable": Field(type=_B, default=True, description="Allow token to be renewed past its"
                       " initial TTL up to system/mount maximum TTL"),
    "ttl": Field(type=_S, description="Time to live for this token"),
    "lease": Field(type=_S, description="Use 'ttl' instead"),
    "type": Field(type=_S, description="Token type"),
    "no_default_policy": Field(type=_B, description="Do not include default policy for this"
                                                    " token"),
    "id": Field(type=_S, description="Value for the token", sensitive=True),
    "meta": Field(type=FieldType.KV_PAIRS, description="Arbitrary key=value metadata to"
                                                       " associate with the token"),
    "no_parent": Field(type=_B, description="Create the token with no parent"),
    "policies": Field(type=FieldType.STRING_SLICE, description="List of policies for the token"),
}


class CreatePaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("create-orphan",), fields=CREATE_FIELDS,
                 operations=ops(update=self._create_orphan),
                 synopsis=CREATE_ORPHAN_HELP, description=CREATE_ORPHAN_HELP),
            Path(patterns=("create/{role_name}",),
                 fields={**CREATE_FIELDS,
                         "role_name": Field(type=_S, description="Name of the role")},
                 operations=ops(update=self._create_with_role),
                 synopsis=CREATE_ROLE_HELP, description=CREATE_ROLE_HELP),
            Path(patterns=("create",), fields=CREATE_FIELDS,
                 operations=ops(update=self._create),
                 synopsis=CREATE_HELP, description=CREATE_HELP),
        ]

    async def _create(self, request: Request, data: FieldData) -> Response:
        return await create_token(self._ctx, request, data, orphan=False, role=None)

    async def _create_orphan(self, request: Request, data: FieldData) -> Response:
        return await create_token(self._ctx, request, data, orphan=True, role=None)

    async def _create_with_role(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("role_name")
        role = await self._ctx.store.roles.get(name)
        if role is None:
            raise InvalidRequest(f"unknown role {name}")
        return await create_token(self._ctx, request, data, orphan=False, role=role)


CREATE_HELP = "The token create path is used to create new tokens."
CREATE_ORPHAN_HELP = "The token create path is used to create new orphan tokens."
CREATE_ROLE_HELP = (
    "This token create path is used to create new tokens adhering to the given role."
)
