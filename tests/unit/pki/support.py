"""A pki backend on in-memory storage, driven like the core drives it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.builtin.secrets.pki.backend import pki_backend
from pyvault.crypto.random import SystemRandom
from pyvault.framework.backend import Backend
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import StorageView
from pyvault.logical.system_view import BackendConfig
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock

DEFAULT_TTL = 2_764_800
START = 1_700_000_000.0


class SystemView:
    def default_lease_ttl(self) -> int:
        return DEFAULT_TTL

    def max_lease_ttl(self) -> int:
        return DEFAULT_TTL


@dataclass
class PKI:
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    physical: InmemBackend = field(default_factory=InmemBackend)
    backend: Backend = field(init=False)
    storage: StorageView = field(init=False)

    def __post_init__(self) -> None:
        self.storage = StorageView(self.physical, "logical/pki-uuid/")
        self.backend = pki_backend(BackendConfig(system=SystemView(), clock=self.clock,
                                                 random=SystemRandom(), mount_type="pki"))

    async def call(self, operation: Operation, path: str,
                   data: dict[str, Any] | None = None) -> Response | None:
        request = Request(operation=operation, path=path, data=dict(data or {}),
                          storage=self.storage, mount_point="pki/", mount_type="pki")
        if operation is Operation.UPDATE and await self.backend.exists(request) is False:
            request = replace(request, operation=Operation.CREATE)
        return await self.backend.handle(request)

    async def write(self, path: str, data: dict[str, Any] | None = None) -> Response:
        response = await self.call(Operation.UPDATE, path, data)
        assert response is not None
        return response

    async def read(self, path: str) -> Response | None:
        return await self.call(Operation.READ, path)

    async def root(self, **extra: Any) -> dict[str, Any]:
        body = {"common_name": "example.com", "key_type": "ec", "ttl": "8760h", **extra}
        response = await self.write("root/generate/internal", body)
        assert response.data is not None
        return response.data
