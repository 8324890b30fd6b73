"""Response wrapping: a response is stored in the cubbyhole of a fresh single-use
token, and the caller gets only that token (``wrap_info``).

Layout (Vault's): ``cubbyhole/response`` holds ``{"response": "<the whole HTTP JSON
answer as a string>"}``, so unwrapping hands back the original answer byte for byte;
``cubbyhole/wrapinfo`` holds the creation TTL (nanoseconds, as Go stores a
``time.Duration``), time and path for ``sys/wrapping/lookup``.

The same object answers the sys/wrapping endpoints (it satisfies
``pyvault.builtin.system.path_wrapping.WrappingOps``) and validates wrapping tokens
before authentication, as Vault's ``validateWrappingToken`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from pyvault.builtin.secrets.cubbyhole.storage import (
    cubbyhole_owner,
    destroy_cubbyhole,
    read_entry,
    write_entry,
)
from pyvault.crypto.random import compare
from pyvault.logical.errors import (
    InternalError,
    InvalidRequest,
    PermissionDenied,
    UnsupportedPath,
)
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response, WrapInfo
from pyvault.logical.storage import Storage
from pyvault.policy.defaults import RESPONSE_WRAPPING_POLICY_NAME
from pyvault.token.entry import TokenEntry
from pyvault.util.clock import Clock, rfc3339

log = logging.getLogger("pyvault.core.wrapping")

# Requests whose wrapping token the core validates before authenticating the caller.
WRAPPING_TOKEN_PATHS = frozenset(
    {"sys/wrapping/lookup", "sys/wrapping/rewrap", "sys/wrapping/unwrap"}
)
REWRAP_PATH = "sys/wrapping/rewrap"
INVALID_WRAPPING_TOKEN = "wrapping token is not valid or does not exist"
NANOSECONDS = 1_000_000_000

# (response, request_id) → the JSON envelope a client would have received.
# The lead passes pyvault.http.envelope.envelope; core must not import http itself.
ResponseRenderer = Callable[[Response, str], dict[str, Any]]


class WrappingTokenStore(Protocol):
    """What the wrapper needs of the token store (the TokenStore contract)."""

    async def create_token(
        self,
        *,
        policies: list[str],
        parent: TokenEntry | None,
        ttl: int,
        explicit_max_ttl: int,
        num_uses: int,
        renewable: bool,
        display_name: str,
        path: str,
        no_default_policy: bool,
    ) -> tuple[str, TokenEntry]: ...

    async def lookup(self, token: str) -> TokenEntry | None: ...

    async def revoke(self, entry: TokenEntry) -> None: ...


@dataclass(frozen=True, slots=True)
class WrapInfoRecord:
    creation_ttl: int  # seconds
    creation_time: str
    creation_path: str


def is_wrapping_token(entry: TokenEntry) -> bool:
    return entry.policies == [RESPONSE_WRAPPING_POLICY_NAME]


class ResponseWrapper:
    def __init__(
        self,
        tokens: WrappingTokenStore,
        storage: Storage | Callable[[], Storage],
        clock: Clock,
        render: ResponseRenderer,
    ) -> None:
        """``storage`` is the cubbyhole mount's view, or a function returning it (the
        mount table, and so the view, only exists once the core is unsealed)."""
        self._tokens = tokens
        self._cubbyhole = storage
        self._clock = clock
        self._render = render
        # Token hashes being unwrapped or rewrapped right now: the second of two
        # concurrent requests for one token must fail, not read the response too.
        self._claimed: set[str] = set()

    def _storage(self) -> Storage:
        return self._cubbyhole() if callable(self._cubbyhole) else self._cubbyhole

    # ---- wrapping (called by the core) ---------------------------------------------

    async def wrap(
        self,
        response: Response | None,
        *,
        ttl: int,
        creation_path: str,
        parent: TokenEntry | None,
        request_id: str = "",
        operation: Operation = Operation.READ,
    ) -> Response | None:
        """Store ``response`` behind a new wrapping token; return what the caller sees.

        The core calls this for every request with a wrap TTL. Nothing to wrap (no
        answer, an answer that is already wrapped, a raw body) comes back unchanged;
        an empty listing is refused as Vault refuses it.
        """
        if operation is Operation.LIST and (response is None or not _has_list_content(response)):
            # Unwrapping would find nothing: Vault answers 404 "unsupported path".
            raise UnsupportedPath("unsupported path")
        if response is None or response.wrap_info is not None or response.raw_body is not None:
            return response
        stored = orjson.dumps(self._render(response, request_id)).decode()
        wrapped_accessor = ""
        if response.auth is not None:
            wrapped_accessor = response.auth.accessor
        elif response.mount_type == "approle" and response.data:
            wrapped_accessor = str(response.data.get("secret_id_accessor") or "")
        info = await self._issue(
            stored, ttl=ttl, token_path=creation_path, creation_path=creation_path,
            parent=parent,
        )
        info.wrapped_accessor = wrapped_accessor
        return Response(wrap_info=info, warnings=list(response.warnings))

    async def _issue(
        self, stored: str, *, ttl: int, token_path: str, creation_path: str,
        parent: TokenEntry | None,
    ) -> WrapInfo:
        now = self._clock.now()
        token, entry = await self._tokens.create_token(
            policies=[RESPONSE_WRAPPING_POLICY_NAME],
            parent=None,  # wrapping tokens are orphans: they outlive their creator
            ttl=ttl,
            explicit_max_ttl=ttl,
            num_uses=1,
            renewable=False,
            display_name=parent.display_name if parent is not None else "",
            path=token_path,
            no_default_policy=True,
        )
        created = rfc3339(now)
        owner = cubbyhole_owner(entry)
        try:
            await write_entry(self._storage(), owner, "response", {"response": stored})
            await write_entry(self._storage(), owner, "wrapinfo", {
                "creation_ttl": ttl * NANOSECONDS,
                "creation_time": created,
                "creation_path": creation_path,
            })
        except Exception:
            # Not yet handed out: revoke so no half-made token lingers.
            await self._tokens.revoke(entry)
            log.error("failed to store wrapped response (accessor %s)", entry.accessor)
            raise
        return WrapInfo(token=token, accessor=entry.accessor, ttl=ttl, creation_time=created,
                        creation_path=creation_path)

    # ---- validation (called by the core before authentication) ------------------------

    async def validate_token(self, request: Request) -> TokenEntry:
        """The wrapping token a lookup/unwrap/rewrap names: the body's ``token`` (a third
        party presents it), else the caller's own token. Raises Vault's errors."""
        token = _named_token(request)
        entry: TokenEntry | None = None
        own = request.token_entry
        if isinstance(own, TokenEntry) and compare(token, request.client_token):
            # The caller's token: the pipeline may already have spent its only use.
            entry = own
        else:
            entry = await self._tokens.lookup(token)
        if entry is None or not is_wrapping_token(entry):
            raise InvalidRequest(INVALID_WRAPPING_TOKEN)
        return entry

    # ---- sys/wrapping operations (called by WrappingPaths) -----------------------------

    async def lookup(self, entry: TokenEntry) -> WrapInfoRecord | None:
        stored = await read_entry(self._storage(), cubbyhole_owner(entry), "wrapinfo")
        if stored is None:
            return None
        return WrapInfoRecord(
            creation_ttl=int(stored.get("creation_ttl") or 0) // NANOSECONDS,
            creation_time=str(stored.get("creation_time") or ""),
            creation_path=str(stored.get("creation_path") or ""),
        )

    async def unwrap(self, entry: TokenEntry) -> bytes:
        """The stored answer, exactly as first rendered; the token is spent."""
        async with self._claim(entry):
            response = await self._stored_response(entry)
            await self._spend(entry)
        return response.encode()

    async def rewrap(self, entry: TokenEntry, *, parent: TokenEntry | None) -> Response:
        """A new token holding the same answer, creation TTL and path; the old one is
        revoked."""
        async with self._claim(entry):
            info = await self.lookup(entry)
            if info is None:
                raise InvalidRequest(INVALID_WRAPPING_TOKEN)
            response = await self._stored_response(entry)
            wrap_info = await self._issue(
                response, ttl=info.creation_ttl, token_path=REWRAP_PATH,
                creation_path=info.creation_path, parent=parent,
            )
            await self._spend(entry)
        return Response(wrap_info=wrap_info)

    async def _stored_response(self, entry: TokenEntry) -> str:
        stored = await read_entry(self._storage(), cubbyhole_owner(entry), "response")
        if stored is None:
            # Only a spent token has no response (a concurrent unwrap got there first).
            raise InvalidRequest(INVALID_WRAPPING_TOKEN)
        response = stored.get("response")
        if not isinstance(response, str):
            raise InternalError("could not decode response inside the cubbyhole")
        return response

    async def _spend(self, entry: TokenEntry) -> None:
        """Revoke the token and clear its cubbyhole now, whether or not the revoke
        hooks have run yet: single use must not depend on them."""
        await self._tokens.revoke(entry)
        await destroy_cubbyhole(self._storage(), cubbyhole_owner(entry))

    def _claim(self, entry: TokenEntry) -> _Claim:
        return _Claim(self._claimed, entry.token_hash)


class _Claim:
    """Marks a token as in use for the span of one unwrap/rewrap."""

    def __init__(self, claimed: set[str], token_hash: str) -> None:
        self._claimed = claimed
        self._hash = token_hash

    async def __aenter__(self) -> None:
        if self._hash in self._claimed:
            raise InvalidRequest(INVALID_WRAPPING_TOKEN)
        self._claimed.add(self._hash)

    async def __aexit__(self, *exc: object) -> None:
        self._claimed.discard(self._hash)


def _named_token(request: Request) -> str:
    """Vault's rules for where the wrapping token comes from, with its error texts."""
    raw = request.data.get("token")
    if raw is not None:
        if not isinstance(raw, str):
            raise _validation_error("could not decode token in request body")
        if raw == "":
            raise _validation_error("empty token in request body")
        return raw
    if not request.client_token:
        raise _validation_error("token is empty")
    return request.client_token


def _validation_error(reason: str) -> PermissionDenied:
    return PermissionDenied(f"error validating wrapping token: {reason}")


def _has_list_content(response: Response) -> bool:
    data = response.data or {}
    keys = data.get("keys")
    if keys is None:
        return bool(data) or bool(response.warnings)
    return isinstance(keys, list) and len(keys) > 0
