"""sys/wrapping/{wrap,unwrap,lookup,rewrap}: response-wrapping tokens.

The work happens in the core's ``ResponseWrapper`` (it owns the token store and the
cubbyhole storage); these paths only parse input and shape answers. The core also
validates the wrapping token of lookup/unwrap/rewrap *before* authenticating the
caller (Vault's order), so a bad wrapping token is a 400 even with a bad client token;
the handlers validate again so they stay correct on their own.
"""

from __future__ import annotations

from typing import Protocol

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.defaults import RESPONSE_WRAPPING_POLICY, RESPONSE_WRAPPING_POLICY_NAME
from pyvault.token.entry import TokenEntry

__all__ = [
    "NO_INFORMATION",
    "RESPONSE_WRAPPING_POLICY",
    "RESPONSE_WRAPPING_POLICY_NAME",
    "WRAPPING_UNAUTHENTICATED_PATHS",
    "WrapDetails",
    "WrappingOps",
    "WrappingPaths",
]

# RESPONSE_WRAPPING_POLICY: the built-in policy every wrapping token carries (Vault's
# text, verbatim; the policy store serves it). It lets the token unwrap itself and read
# its own cubbyhole/response, nothing else.

# sys-relative paths that need no token (Vault's PathsSpecial.Unauthenticated).
WRAPPING_UNAUTHENTICATED_PATHS = ("wrapping/lookup",)
NO_INFORMATION = "no information found; wrapping token may be from a previous Vault version"


class WrapDetails(Protocol):
    @property
    def creation_ttl(self) -> int: ...

    @property
    def creation_time(self) -> str: ...

    @property
    def creation_path(self) -> str: ...


class WrappingOps(Protocol):
    """What these paths ask of the core (``pyvault.core.wrapping.ResponseWrapper``)."""

    async def validate_token(self, request: Request) -> TokenEntry: ...

    async def lookup(self, entry: TokenEntry) -> WrapDetails | None: ...

    async def unwrap(self, entry: TokenEntry) -> bytes: ...

    async def rewrap(self, entry: TokenEntry, *, parent: TokenEntry | None) -> Response: ...


_TOKEN = {"token": Field(description="The wrapping token (else the request's own token).")}


class WrappingPaths:
    def __init__(self, wrapper: WrappingOps) -> None:
        self._wrapper = wrapper

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("wrapping/wrap",), operations=ops(update=self._wrap),
                 takes_arbitrary_input=True,
                 synopsis="Response-wraps an arbitrary JSON object.",
                 description="Round trips the given input data into a response-wrapped token."),
            Path(patterns=("wrapping/unwrap",), fields=_TOKEN,
                 operations=ops(update=self._unwrap),
                 synopsis="Unwraps a response-wrapped token.",
                 description=UNWRAP_DESCRIPTION),
            Path(patterns=("wrapping/lookup",), fields=_TOKEN,
                 operations=ops(update=self._lookup, read=self._lookup),
                 synopsis="Looks up the properties of a response-wrapped token.",
                 description="Returns the creation TTL and creation time of a "
                             "response-wrapped token."),
            Path(patterns=("wrapping/rewrap",), fields=_TOKEN,
                 operations=ops(update=self._rewrap),
                 synopsis="Rotates a response-wrapped token.",
                 description=REWRAP_DESCRIPTION),
        ]

    async def _wrap(self, request: Request, data: FieldData) -> Response:
        if request.wrap_ttl <= 0:
            raise InvalidRequest("endpoint requires response wrapping to be used")
        # The core wraps this answer because the request carries X-Vault-Wrap-TTL.
        return Response(data=dict(request.data))

    async def _unwrap(self, request: Request, data: FieldData) -> Response | None:
        entry = await self._wrapper.validate_token(request)
        body = await self._wrapper.unwrap(entry)
        if not body:
            return None
        # The original answer verbatim (its own request_id, auth block and all).
        return Response(raw_body=body, status=200, content_type="application/json")

    async def _lookup(self, request: Request, data: FieldData) -> Response:
        entry = await self._wrapper.validate_token(request)
        details = await self._wrapper.lookup(entry)
        if details is None:
            raise InvalidRequest(NO_INFORMATION)
        return Response(data={
            "creation_path": details.creation_path,
            "creation_time": details.creation_time,
            "creation_ttl": details.creation_ttl,
        })

    async def _rewrap(self, request: Request, data: FieldData) -> Response:
        entry = await self._wrapper.validate_token(request)
        caller = request.token_entry if isinstance(request.token_entry, TokenEntry) else None
        return await self._wrapper.rewrap(entry, parent=caller)


UNWRAP_DESCRIPTION = (
    "Unwraps a response-wrapped token. Unlike simply reading from cubbyhole/response, "
    "this provides additional validation on the token, and rather than a JSON-escaped "
    "string, the returned response is the exact same as the contained wrapped response."
)
REWRAP_DESCRIPTION = (
    "Rotates a response-wrapped token; the output is a new token with the same response "
    "wrapped inside and the same creation TTL. The original token is revoked."
)
