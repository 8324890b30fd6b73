"""sys/capabilities, capabilities-self and capabilities-accessor."""

from __future__ import annotations

from typing import Any, Protocol

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.store import PolicyStore
from pyvault.token.entry import TokenEntry


class TokenLookup(Protocol):
    async def lookup(self, token: str) -> TokenEntry | None: ...

    async def lookup_accessor(self, accessor: str) -> TokenEntry | None: ...


_PATHS = {
    "paths": Field(type=FieldType.COMMA_STRING_SLICE, description="Paths to check."),
    "path": Field(type=FieldType.COMMA_STRING_SLICE, description="Deprecated: paths to check."),
}


class CapabilityPaths:
    def __init__(self, policies: PolicyStore, tokens: TokenLookup) -> None:
        self._policies = policies
        self._tokens = tokens

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("capabilities",),
                 fields={**_PATHS, "token": Field(description="The token to check.")},
                 operations=ops(update=self._by_token),
                 synopsis="A token's capabilities on paths."),
            Path(patterns=("capabilities-self",),
                 fields={**_PATHS, "token": Field(description="Ignored: the caller's token.")},
                 operations=ops(update=self._self),
                 synopsis="The calling token's capabilities on paths."),
            Path(patterns=("capabilities-accessor",),
                 fields={**_PATHS, "accessor": Field(description="Accessor of the token.")},
                 operations=ops(update=self._by_accessor),
                 synopsis="Capabilities of the token with this accessor on paths."),
        ]

    async def _answer(self, entry: TokenEntry, data: FieldData) -> Response:
        # "paths" wins; the deprecated "path" is read only when "paths" is absent.
        paths = data.get_list("paths") if data.given("paths") else data.get_list("path")
        if not paths:
            raise InvalidRequest("paths must be supplied")
        acl = await self._policies.acl(entry.policies)
        result: dict[str, Any] = {path: acl.capabilities(path) for path in paths}
        if len(paths) == 1:
            # Older clients read the single answer from "capabilities".
            result["capabilities"] = result[paths[0]]
        return Response(data=result, legacy_top_level=True)

    async def _by_token(self, request: Request, data: FieldData) -> Response:
        token = data.get_str("token")
        if not token:
            raise InvalidRequest(multierror("no token found"))
        entry = await self._tokens.lookup(token)
        if entry is None:
            raise InvalidRequest(multierror("invalid token"))
        return await self._answer(entry, data)

    async def _self(self, request: Request, data: FieldData) -> Response:
        entry = request.token_entry
        if not isinstance(entry, TokenEntry):
            raise InvalidRequest(multierror("no token found"))
        return await self._answer(entry, data)

    async def _by_accessor(self, request: Request, data: FieldData) -> Response:
        if not data.get_str("accessor"):
            raise InvalidRequest("missing accessor")
        entry = await self._tokens.lookup_accessor(data.get_str("accessor"))
        if entry is None:
            raise InvalidRequest(multierror("invalid accessor"))
        return await self._answer(entry, data)
