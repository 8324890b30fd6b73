"""sys/host-info and sys/in-flight-req: what the server's host looks like and
which requests it is working on. Both need a token with ``read`` on the path.

sys/in-flight-req answers a bare JSON object keyed by request id (no envelope),
as Vault's; it shows paths, methods and peers, never tokens or bodies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping

from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.metrics.state import InFlightRequest
from pyvault.util.clock import Clock

InFlight = Callable[[], Mapping[str, InFlightRequest]]


class HostPaths:
    def __init__(self, clock: Clock, in_flight: InFlight) -> None:
        self._clock = clock
        self._in_flight = in_flight

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("host-info",), operations=ops(read=self._host_info),
                 synopsis="Information about the host the server runs on."),
            Path(patterns=("in-flight-req",), operations=ops(read=self._in_flight_req),
                 synopsis="The requests the server is handling right now."),
        ]

    async def _host_info(self, request: Request, data: FieldData) -> Response:
        # Imported on first use: the /proc readers (and ctypes) stay out of servers
        # nobody asks for host-info. /proc reads are blocking file I/O: off the loop.
        from pyvault.metrics.host import collect

        return Response(data=await asyncio.to_thread(collect, self._clock.now()))

    async def _in_flight_req(self, request: Request, data: FieldData) -> Response:
        body = json.dumps({k: v.view() for k, v in self._in_flight().items()}).encode()
        return Response(raw_body=body, content_type="application/json")
