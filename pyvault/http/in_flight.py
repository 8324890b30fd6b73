"""GET sys/in-flight-req on a listener with ``inflight_requests_logging {
unauthenticated_in_flight_requests_access = true }``: no token, no pipeline, answered
sealed and uninitialised too (Vault's listener option). Other methods get a bare 405.
Shows paths, methods and peers of the running requests, never tokens or bodies."""

from __future__ import annotations

from aiohttp import web

from pyvault.core.core import Core
from pyvault.http.envelope import error_response, json_response


def unauthenticated_in_flight(core: Core, method: str) -> web.Response:
    if method != "GET":
        return error_response(405, [])
    return json_response(200, {rid: req.view() for rid, req in core.state.requests.items()})
