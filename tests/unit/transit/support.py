"""A transit backend on in-memory storage, driven the way the core drives it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.builtin.secrets.transit.backend import transit_backend
from pyvault.framework.backend import Backend
from pyvault.logical.errors import VaultError
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import StorageView
from pyvault.logical.system_view import BackendConfig
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock

START = 1_700_000_000.0


class SystemView:
    def default_lease_ttl(self) -> int:
        return 3600

    def max_lease_ttl(self) -> int:
        return 3600


class CountingRandom:
    """Deterministic bytes, so nonces and key material repeat run to run."""

    def __init__(self) -> None:
        self.counter = 0

    def bytes(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            self.counter += 1
            out += self.counter.to_bytes(4, "big") * 4
        return bytes(out[:n])


class CountingStorage(InmemBackend):
    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []
        self.puts: list[str] = []

    async def get(self, key: str) -> bytes | None:
        self.gets.append(key)
        return await super().get(key)

    async def put(self, key: str, value: bytes) -> None:
        self.puts.append(key)
        await super().put(key, value)


@dataclass
class Transit:
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    random: CountingRandom = field(default_factory=CountingRandom)
    physical: CountingStorage = field(default_factory=CountingStorage)
    backend: Backend = field(init=False)
    storage: StorageView = field(init=False)

    def __post_init__(self) -> None:
        self.storage = StorageView(self.physical, "logical/transit-uuid/")
        self.backend = self.fresh_backend()

    def fresh_backend(self) -> Backend:
        """A new backend on the same storage (as after a remount or restart)."""
        return transit_backend(BackendConfig(system=SystemView(), clock=self.clock,
                                             random=self.random, mount_type="transit"))

    async def call(self, operation: Operation, path: str,
                   data: dict[str, Any] | None = None) -> Response | None:
        request = Request(operation=operation, path=path, data=dict(data or {}),
                          storage=self.storage, mount_point="transit/", mount_type="transit")
        if operation is Operation.UPDATE and await self.backend.exists(request) is False:
            request = replace(request, operation=Operation.CREATE)
        return await self.backend.handle(request)

    async def write(self, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.call(Operation.UPDATE, path, data)
        assert response is not None and response.data is not None
        return response.data

    async def read(self, path: str) -> dict[str, Any]:
        response = await self.call(Operation.READ, path)
        assert response is not None and response.data is not None
        return response.data

    async def error(self, operation: Operation, path: str,
                    data: dict[str, Any] | None = None) -> tuple[int, list[str]]:
        try:
            await self.call(operation, path, data)
        except VaultError as exc:
            return exc.status, exc.messages
        raise AssertionError("no error")
