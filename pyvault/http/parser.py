"""Vault clients send the non-standard ``LIST`` method. aiohttp's C parser (llhttp)
only knows registered methods and rejects it, so pyvault serves HTTP with aiohttp's
pure-Python request parser, which accepts any method token."""

from __future__ import annotations

from aiohttp import http_parser, web_protocol


def accept_any_method() -> None:
    """Idempotent; must run before the first connection is accepted."""
    web_protocol.HttpRequestParser = http_parser.HttpRequestParserPy  # type: ignore[attr-defined]
