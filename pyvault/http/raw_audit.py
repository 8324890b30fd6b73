"""Audit entries for the sys endpoints served outside the logical pipeline.

The ceremony endpoints (sys_ceremony.py) answer before the pipeline, so they would
leave no audit trail; OpenBao 2.7 audits them all (CVE-2025-52894 made the
unauthenticated ones audited). Two kinds, as the reference logs them:

* ``audit_raw``: the unauthenticated endpoints (sys/rekey/init|update|verify,
  sys/generate-root/attempt|update). Entries carry no token and no mount; the
  response entry is the HTTP answer (JSON body under ``data``, the handler's
  headers). With devices enabled and none taking the request entry, the handler
  never runs and the answer is 500, as the reference's. On a listener that turns
  them off (``disable_unauthed_*_endpoints``) the reference answers them from its
  system backend, so they are logged like a pipeline request refused there.
* ``audit_logical``: the token-checked endpoints the reference serves from its
  system backend (sys/rekey/backup, sys/generate-root-token/*, sys/rotate/*).
  Entries are the pipeline's: the request entry is written by ``checking``, which
  the handler's token check calls before its ACL check.

A new ceremony route gets audited by wrapping its handler in one of the two.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

import orjson
from aiohttp import web

from pyvault.audit.broker import AuditFailed, log_failure
from pyvault.audit.entry import AuditTrail
from pyvault.core.core import Core
from pyvault.http.envelope import error_response
from pyvault.http.logical import build_request
from pyvault.logical.errors import VaultError, status_of
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.entry import TokenEntry

Handler = Callable[[web.Request, Core, bytes], Awaitable[web.StreamResponse]]

# What the reference answers when no device took a raw endpoint's request entry.
NO_AUDIT_REQUEST = "1 error occurred:\n\t* no audit backend succeeded in logging the request\n\n"
_REQUEST_ID = "pyvault.request_id"  # set by http.app's v1_handler
_LOGGED_HEADERS = ("Cache-Control", "Content-Type")


@dataclass(slots=True)
class _Audit:
    trail: AuditTrail
    logical: bool  # audit_logical: the token check writes the request entry


_CURRENT: ContextVar[_Audit | None] = ContextVar("pyvault_raw_audit", default=None)


def _path(request: web.Request) -> str:
    return request.match_info.get("tail", request.path.removeprefix("/v1/"))


def _logical_request(request: web.Request, body: bytes, *, raw: bool) -> Request:
    """The request as the entries show it; a body that is not JSON is left out
    (the handler answers it with its own 400). The reference's raw entries carry
    no token, and data only for writes (a cancel's nonce is not logged)."""
    request_id = str(request.get(_REQUEST_ID) or uuid.uuid4())
    try:
        logical = build_request(request, _path(request), body, request_id)
    except VaultError:
        logical = build_request(request, _path(request), b"", request_id)
    if not raw:
        return logical
    data = logical.data if logical.operation is Operation.UPDATE else {}
    return replace(logical, client_token="", data=data)


def _answer(request_handler: Handler) -> Handler:
    """The handler with its Vault errors turned into the error body it would send."""

    async def answer(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
        try:
            return await request_handler(request, core, body)
        except VaultError as exc:
            if isinstance(exc, AuditFailed):
                raise
            return error_response(status_of(exc), exc.messages)

    return answer


def _json_body(response: web.StreamResponse) -> Any:
    raw = response.body if isinstance(response, web.Response) else None
    if not isinstance(raw, (bytes, bytearray)) or not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _headers(response: web.StreamResponse) -> dict[str, list[str]]:
    return {name: response.headers.getall(name) for name in _LOGGED_HEADERS
            if name in response.headers}


def audit_raw(handler: Handler) -> Handler:
    """Audit an unauthenticated ceremony endpoint as the reference does."""
    answer = _answer(handler)

    async def audited(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
        if core.sealed or not core.audit.active:
            return await handler(request, core, body)
        if _switched_off(request):
            return await _audit_switched_off(request, core, body, handler)
        trail = AuditTrail(_logical_request(request, body, raw=True))
        try:
            await core.audit.log_request(trail)
        except AuditFailed:
            return error_response(500, [NO_AUDIT_REQUEST])
        context = _CURRENT.set(_Audit(trail, logical=False))
        try:
            response = await answer(request, core, body)
        finally:
            _CURRENT.reset(context)
        await core.audit.log_raw_response(trail, _json_body(response), _headers(response))
        return response

    return audited


# The listener switch that turns each unauthenticated endpoint family off.
_SWITCHES = (("sys/rekey/", "disable_unauthed_rekey_endpoints"),
             ("sys/rekey-recovery-key/", "disable_unauthed_rekey_endpoints"),
             ("sys/generate-root/", "disable_unauthed_generate_root_endpoints"))


def _switched_off(request: web.Request) -> bool:
    from pyvault.http.app import LISTENER  # app imports the routes that use this module

    path = _path(request)
    listener = request.app[LISTENER]
    return any(path.startswith(prefix) and getattr(listener, option, False)
               for prefix, option in _SWITCHES)


async def _audit_switched_off(
    request: web.Request, core: Core, body: bytes, handler: Handler
) -> web.StreamResponse:
    """An endpoint the listener turned off: the reference answers it from its system
    backend (405, unsupported operation) and logs it like any request on an
    unauthenticated path there: the caller's token if any, the sys/ mount."""
    trail = _logical_trail(request, core, body)
    if trail.request.client_token:
        trail.token = await core.tokens.lookup(trail.request.client_token)
    await core.audit.log_request(trail)
    try:
        response = await handler(request, core, body)
    except VaultError as exc:
        await log_failure(core.audit, trail, exc)
        raise
    await core.audit.log_response(trail, _as_response(response))
    return response


def _logical_trail(request: web.Request, core: Core, body: bytes) -> AuditTrail:
    """A trail for a request the reference serves from its system backend."""
    logical = _logical_request(request, body, raw=False)
    trail = AuditTrail(logical)
    matched = core.router.match(logical.path)
    if matched is not None:
        entry = matched[0].entry
        trail.routed = replace(logical, mount_point=entry.path, mount_type=entry.type,
                               mount_accessor=entry.accessor)
    return trail


def _as_response(response: web.StreamResponse) -> Response | None:
    """The logical answer inside an envelope (what the pipeline would have audited)."""
    body = _json_body(response)
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    warnings = body.get("warnings") or []
    if data is None and not warnings:
        return None
    return Response(data=data, warnings=list(warnings))


def audit_logical(handler: Handler) -> Handler:
    """Audit a token-checked ceremony endpoint like a pipeline request."""

    async def audited(request: web.Request, core: Core, body: bytes) -> web.StreamResponse:
        if core.sealed or not core.audit.active:
            return await handler(request, core, body)
        trail = _logical_trail(request, core, body)
        context = _CURRENT.set(_Audit(trail, logical=True))
        try:
            response = await handler(request, core, body)
        except VaultError as exc:
            await log_failure(core.audit, trail, exc)
            raise
        finally:
            _CURRENT.reset(context)
        await core.audit.log_response(trail, _as_response(response))
        return response

    return audited


async def checking(core: Core, token: TokenEntry, request: Request, path: str) -> None:
    """Called by a token-checked endpoint just before its sudo ACL check: the entries
    name ``token`` and its ``policy_results``; if the check will pass, the request
    entry is written now (``AuditFailed`` → 500 when no device took it), before the
    handler acts. A refusal is logged by ``audit_logical`` with the error."""
    audit = _CURRENT.get()
    if audit is None or not audit.logical or audit.trail.request_logged:
        return
    trail = audit.trail
    trail.token = token
    trail.policy = (await core.acl_for(token)).result(
        request.operation, path, request.data, True, request.wrap_ttl)
    if trail.policy.allowed:
        await core.audit.log_request(trail)
