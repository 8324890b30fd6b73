"""LIST and SCAN reach the handler whatever else the connection carried before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from pyvault.http.parser import accept_any_method


async def echo(request: web.Request) -> web.Response:
    return web.Response(text=f"{request.method} {request.path} {len(await request.read())}")


@pytest.fixture
async def port() -> AsyncIterator[int]:
    accept_any_method()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None and server.sockets
    yield server.sockets[0].getsockname()[1]
    await runner.cleanup()


def request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def answers(port: int, chunks: list[bytes], expected: int) -> list[str]:
    """Send the chunks as separate writes on one connection; the response bodies."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)  # separate reads on the server side, usually
        bodies = []
        for _ in range(expected):
            status = await asyncio.wait_for(reader.readline(), 10)
            assert status.startswith(b"HTTP/1.1 200"), status
            length = 0
            while (line := await reader.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            bodies.append((await reader.readexactly(length)).decode())
        return bodies
    finally:
        writer.close()


async def test_list_on_a_fresh_connection(port: int) -> None:
    assert await answers(port, [request("LIST", "/v1/a")], 1) == ["LIST /v1/a 0"]


async def test_list_and_scan_after_other_requests_on_one_connection(port: int) -> None:
    chunks = [request("GET", "/a"), request("LIST", "/b"), request("POST", "/c", b"xy"),
              request("SCAN", "/d")]
    assert await answers(port, chunks, 4) == ["GET /a 0", "LIST /b 0", "POST /c 2", "SCAN /d 0"]


async def test_pipelined_requests_in_one_write(port: int) -> None:
    chunk = request("GET", "/a") + request("LIST", "/b") + request("GET", "/c")
    assert await answers(port, [chunk], 3) == ["GET /a 0", "LIST /b 0", "GET /c 0"]


async def test_a_body_that_looks_like_a_list_request_stays_a_body(port: int) -> None:
    body = b"LIST /x HTTP/1.1\r\n\r\n"
    whole = request("POST", "/a", body)
    chunks = [whole[:50], whole[50:], request("GET", "/b")]
    assert await answers(port, chunks, 2) == [f"POST /a {len(body)}", "GET /b 0"]


async def test_a_head_split_across_writes(port: int) -> None:
    first = request("GET", "/a")
    chunks = [first[:7], first[7:], request("LIST", "/b")]
    assert await answers(port, chunks, 2) == ["GET /a 0", "LIST /b 0"]
