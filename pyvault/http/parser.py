"""Vault clients send the non-standard ``LIST`` (and ``SCAN``) methods.

aiohttp's C parser (llhttp) knows a fixed set of methods and rejects those (checked
with aiohttp 3.14: "400 Invalid method encountered"); its pure-Python parser accepts
any method token but costs a quarter of a cheap request's CPU (profiled on
sys/health). So each connection starts on the C parser and moves, for good, to the
Python one the first time the C parser refuses a method at a request boundary: the
refused bytes are parsed again by the Python parser, which then sees the whole
request line. GET/PUT/POST-only connections never pay for the Python parser.
"""

from __future__ import annotations

from typing import Any

from aiohttp import http_parser, web_protocol
from aiohttp.http_exceptions import BadHttpMethod
from aiohttp.streams import StreamReader

_C_PARSER: Any = web_protocol.HttpRequestParser  # type: ignore[attr-defined]
_PY_PARSER: Any = http_parser.HttpRequestParserPy


class MethodTolerantParser:
    """The request parser aiohttp's server protocol gets; see the module docstring.

    A switch needs the C parser to be between requests: the last request it emitted
    must have its whole body (so the refused bytes cannot be body bytes), and it must
    not be holding back queued requests. Otherwise the refusal stands (a 400, as
    aiohttp's C parser alone would answer).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._parser: Any = _C_PARSER(*args, **kwargs)
        self._on_c = True
        self._last_payload: StreamReader | None = None
        self._mid_head = False
        self._in_flight = 0
        self._queue_limit = int(kwargs.get("max_msg_queue_size", 0) or 0)

    def feed_data(self, data: bytes) -> Any:
        if not self._on_c:
            return self._parser.feed_data(data)
        between_requests = self._between_requests()
        try:
            result = self._parser.feed_data(data)
        except BadHttpMethod:
            if not between_requests:
                raise
            self._parser = _PY_PARSER(*self._args, **self._kwargs)
            self._on_c = False
            return self._parser.feed_data(data)
        messages = result[0]
        if messages:
            self._last_payload = messages[-1][1]
            self._in_flight += len(messages)
            self._mid_head = False
        elif data and between_requests:
            self._mid_head = True  # the start of a request whose head is incomplete
        return result

    def message_consumed(self) -> None:
        if self._in_flight:
            self._in_flight -= 1
        self._parser.message_consumed()

    def _between_requests(self) -> bool:
        if self._mid_head:
            return False
        if self._queue_limit and self._in_flight >= self._queue_limit:
            return False  # the C parser may be holding pipelined bytes back
        return self._last_payload is None or self._last_payload.is_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


def accept_any_method() -> None:
    """Idempotent; must run before the first connection is accepted."""
    web_protocol.HttpRequestParser = MethodTolerantParser  # type: ignore[attr-defined,assignment]
