"""The aiohttp application: one per listener, all sharing one Core."""

from __future__ import annotations

import logging
import random

from aiohttp import web

from pyvault.config.model import UNLIMITED_REQUEST_SIZE, ListenerConfig
from pyvault.core.core import Core
from pyvault.http.deadline import Deadlines
from pyvault.http.envelope import empty_response, error_response
from pyvault.http.forwarding import AUTH_HEADER, ECHO_ROUTE, Forwarder
from pyvault.http.in_flight import unauthenticated_in_flight
from pyvault.http.logical import build_request, handle_logical
from pyvault.http.parser import accept_any_method
from pyvault.http.sys_raw import RAW_ROUTES, health_handler
from pyvault.logical.errors import CodedError, InvalidRequest, VaultError, status_of
from pyvault.metrics.render import PrometheusDisabled, UnknownFormat
from pyvault.metrics.render import render as render_metrics
from pyvault.metrics.serverlog import REQUEST_ID as LOG_REQUEST_ID
from pyvault.metrics.state import InFlightRequest

CORE = web.AppKey("core", Core)
FORWARDER: web.AppKey[Forwarder | None] = web.AppKey("forwarder")
LISTENER = web.AppKey("listener", ListenerConfig)
DEADLINES = web.AppKey("deadlines", Deadlines)
log = logging.getLogger("pyvault.http")


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes (chunked bodies too)."""
    if not request.body_exists:  # most GETs: skip the stream machinery
        return b""
    if limit == UNLIMITED_REQUEST_SIZE:
        return await request.read()
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def too_large() -> web.Response:
    response = error_response(413, ["http: request body too large"])
    response.headers.popall("Cache-Control", None)
    response.force_close()
    return response


REQUEST_ID = "pyvault.request_id"
# Request ids only need to be unique, not unpredictable (they are no credential, and
# the reference prints them in every answer): a seeded PRNG instead of uuid4's
# urandom syscall per request.
_ids = random.Random()
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_request_id() -> str:
    """A random version-4 UUID in its usual text form."""
    h = f"{_ids.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


async def v1_handler(request: web.Request) -> web.StreamResponse:
    """Registers the request for sys/in-flight-req and the in-flight gauge."""
    core = request.app[CORE]
    request_id = new_request_id()
    request[REQUEST_ID] = request_id
    LOG_REQUEST_ID.set(request_id)  # every log line of this request carries its id
    peer = request.transport.get_extra_info("peername") if request.transport else None
    core.state.requests[request_id] = InFlightRequest(
        core.clock.now(), str(peer[0]) if peer else "", int(peer[1]) if peer else 0,
        request.path, request.method)
    try:
        return await _v1_handler(request)
    finally:
        core.state.requests.pop(request_id, None)


HEALTH_ROUTE = "/v1/sys/health"


async def health_fast(request: web.Request) -> web.StreamResponse:
    """GET/HEAD sys/health, which load balancers poll, answered without the request
    registry, body read, deadline and dispatch (with them it cost ~1.3x the CPU;
    profiled). Once initialized it runs without yielding, so sys/in-flight-req could
    never have listed it. Other methods, and requests with a body (which may be too
    large: 413), take the usual way."""
    if request.method not in ("GET", "HEAD") or request.body_exists:
        return await v1_handler(request)
    try:
        return await health_handler(request, request.app[CORE], b"")
    except VaultError as exc:
        return error_response(status_of(exc), exc.messages)
    except Exception:
        log.exception("internal error while handling %s sys/health", request.method)
        return error_response(500, ["internal error"])


async def _v1_handler(request: web.Request) -> web.StreamResponse:
    core = request.app[CORE]
    listener = request.app[LISTENER]
    path = request.match_info.get("tail") or request.path.removeprefix("/v1/")
    try:
        body = await read_body(request, listener.max_request_size)
    except BodyTooLarge:
        return too_large()
    try:
        return await request.app[DEADLINES].run(dispatch(request, core, path, body))
    except VaultError as exc:
        return error_response(status_of(exc), exc.messages)
    except TimeoutError:
        return error_response(503, ["context deadline exceeded"])
    except Exception:
        log.exception("internal error while handling %s %s", request.method, path)
        return error_response(500, ["internal error"])


async def dispatch(
    request: web.Request, core: Core, path: str, body: bytes
) -> web.StreamResponse:
    forwarder = request.app[FORWARDER]
    if forwarder is not None:
        if AUTH_HEADER in request.headers and not forwarder.accept_forwarded(request):
            return error_response(403, ["permission denied"])
        # A standby's own metrics stay local where the listener serves them openly.
        if core.standby and not (path == "sys/metrics"
                                 and request.app[LISTENER].unauthenticated_metrics_access):
            answer = await forwarder.handle_on_standby(request, path, body)
            if answer is not None:
                return answer
    raw = RAW_ROUTES.get(path)
    if raw is not None:
        methods, handler = raw
        if request.method not in methods:
            return error_response(405, [])
        return await handler(request, core, body)
    if request.method == "PATCH":
        check_patch_content_type(request)
    if path in ("sys/seal", "sys/step-down") and core.sealed and request.method in ("PUT", "POST"):
        return empty_response(204)  # sealing a sealed vault is a no-op, as Vault's
    if path == "sys/seal" and request.method not in ("PUT", "POST"):
        return error_response(405, [])
    if (path == "sys/in-flight-req"
            and request.app[LISTENER].unauthenticated_in_flight_requests_access):
        return unauthenticated_in_flight(core, request.method)
    if (path == "sys/metrics" and request.method == "GET"
            and request.app[LISTENER].unauthenticated_metrics_access):
        return unauthenticated_metrics(core, request.query.get("format", ""))
    logical = build_request(request, path, body, request.get(REQUEST_ID) or new_request_id())
    start = core.clock.monotonic()
    try:
        return await handle_logical(core, logical)
    finally:
        matched = core.router.match(logical.path)
        core.metrics.observe_request(matched[0].entry.type if matched else "",
                                     str(logical.operation), core.clock.monotonic() - start)


def unauthenticated_metrics(core: Core, fmt: str) -> web.Response:
    """sys/metrics on a listener with ``unauthenticated_metrics_access``: no token,
    no pipeline (so no audit entry), as Vault's listener option."""
    try:
        body, content_type = render_metrics(core.metrics, fmt, core.clock.now())
    except (UnknownFormat, PrometheusDisabled) as exc:
        text = web.Response(status=400, text=str(exc), headers={"Cache-Control": "no-store"})
        return text
    response = web.Response(status=200, body=body, headers={"Cache-Control": "no-store"})
    response.headers["Content-Type"] = content_type
    return response


def check_patch_content_type(request: web.Request) -> None:
    """Vault checks this before anything else, sealed or not."""
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        raise InvalidRequest("mime: no media type")
    if media != "application/merge-patch+json":
        raise CodedError(
            415,
            "PATCH requires Content-Type of application/merge-patch+json, "
            f"provided {content_type}",
        )


async def not_found(request: web.Request) -> web.StreamResponse:
    if request.path == "/":
        response = web.Response(status=404, text="404 page not found\n",
                                headers={"Cache-Control": "no-store",
                                         "X-Content-Type-Options": "nosniff"})
        response.content_type = "text/plain"
        return response
    return error_response(404, [])


def build_app(
    core: Core, listener: ListenerConfig, forwarder: Forwarder | None = None
) -> web.Application:
    accept_any_method()
    app = web.Application(client_max_size=2**63)
    app[CORE] = core
    app[LISTENER] = listener
    app[DEADLINES] = Deadlines(listener.max_request_duration)
    app[FORWARDER] = forwarder
    if forwarder is not None:
        app.router.add_route("POST", ECHO_ROUTE, forwarder.echo_handler)
    app.router.add_route("*", HEALTH_ROUTE, health_fast)  # a plain route: a dict lookup
    app.router.add_route("*", "/v1/{tail:.*}", v1_handler)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
