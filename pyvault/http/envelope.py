"""The JSON envelope of Vault responses, and error bodies."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyvault.http.jsonio import dumps
from pyvault.logical.envelope import auth_view, envelope, wrap_view

JSON = "application/json"
BASE_HEADERS = {"Cache-Control": "no-store"}


def json_response(status: int, body: Any) -> web.Response:
    """``Content-Type`` exactly ``application/json``: hvac reads errors only then."""
    # content_type as an argument: ~3 µs cheaper than the property setter (profiled).
    return web.Response(status=status, body=dumps(body) + b"\n", headers=BASE_HEADERS,
                        content_type=JSON)


def empty_response(status: int) -> web.Response:
    return web.Response(status=status, headers=BASE_HEADERS, content_type=JSON)


def error_response(status: int, messages: list[str]) -> web.Response:
    return json_response(status, {"errors": messages})


__all__ = [
    "auth_view", "empty_response", "envelope", "error_response", "json_response", "wrap_view",
]
