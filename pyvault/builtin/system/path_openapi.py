"""sys/internal/specs/openapi: the API document of every mounted path."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from pyvault.framework import openapi
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

MountedPaths = Callable[[], Iterable[tuple[str, str, Iterable[Path]]]]


class OpenAPIPaths:
    def __init__(self, mounted: MountedPaths) -> None:
        self._mounted = mounted

    def paths(self) -> list[Path]:
        return [Path(patterns=("internal/specs/openapi",), operations=ops(read=self._read),
                     synopsis="The OpenAPI document of this server's API.")]

    async def _read(self, request: Request, data: FieldData) -> Response:
        body = json.dumps(openapi.document(self._mounted())).encode()
        return Response(raw_body=body, content_type="application/json")
