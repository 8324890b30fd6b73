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
    response = web.Response(status=status, body=dumps(body) + b"\n", headers=BASE_HEADERS)
    response.content_type = JSON
    return response


def empty_response(status: int) -> web.Response:
    response = web.Response(status=status, headers=BASE_HEADERS)
    response.content_type = JSON
    return response


def error_response(status: int, messages: list[str]) -> web.Response:
    return json_response(status, {"errors": messages})


__all__ = [
    "auth_view", "empty_response", "envelope", "error_response", "json_response", "wrap_view",
]
