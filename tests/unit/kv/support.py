"""A kv backend on in-memory storage, driven like the core drives it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.builtin.secrets.kv.backend import kv_backend
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
START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


class SystemView:
    def default_lease_ttl(self) -> int:
        return DEFAULT_TTL

    def max_lease_ttl(self) -> int:
        return DEFAULT_TTL


class CountingStorage(InmemBackend):
    """Physical storage that counts reads and lists (to prove the cache works)."""

    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []
        self.lists: list[str] = []

    async def get(self, key: str) -> bytes | None:
        self.gets.append(key)
        return await super().get(key)

    async def list(self, prefix: str) -> list[str]:
        self.lists.append(prefix)
        return await super().list(prefix)


PREFIX = "logical/mount-uuid/"


@dataclass
class KV:
    """One mount: a backend, its storage and clock; ``call`` mimics the pipeline."""

    version: str = "2"
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    physical: CountingStorage = field(default_factory=CountingStorage)
    backend: Backend = field(init=False)
    storage: StorageView = field(init=False)

    def __post_init__(self) -> None:
        self.storage = StorageView(self.physical, PREFIX)
        self.backend = self.new_backend(self.version)

    def new_backend(self, version: str) -> Backend:
        return kv_backend(BackendConfig(system=SystemView(), clock=self.clock,
                                        random=SystemRandom(), mount_type="kv",
                                        options={"version": version}))

    def request(self, operation: Operation, path: str,
                data: dict[str, Any] | None = None) -> Request:
        return Request(operation=operation, path=path, data=dict(data or {}),
                       storage=self.storage, mount_point="secret/", mount_type="kv")

    async def call(self, operation: Operation, path: str,
                   data: dict[str, Any] | None = None) -> Response | None:
        request = self.request(operation, path, data)
        if operation is Operation.UPDATE and await self.backend.exists(request) is False:
            request = replace(request, operation=Operation.CREATE)
        return await self.backend.handle(request)

    async def read(self, path: str, **query: Any) -> Response | None:
        return await self.call(Operation.READ, path, query)

    async def write(self, path: str, data: dict[str, Any]) -> Response | None:
        return await self.call(Operation.UPDATE, path, data)

    async def put(self, path: str, secret: Any, **options: Any) -> dict[str, Any]:
        """A v2 data write; returns the version metadata it answers."""
        body: dict[str, Any] = {"data": secret}
        if options:
            body["options"] = options
        response = await self.call(Operation.UPDATE, f"data/{path}", body)
        assert response is not None and response.data is not None
        return response.data

    async def get(self, path: str, **query: Any) -> Response:
        response = await self.read(f"data/{path}", **query)
        assert response is not None
        return response

    async def value(self, path: str, **query: Any) -> Any:
        """The secret's data (of the latest or a chosen version)."""
        response = await self.get(path, **query)
        assert response.data is not None and not response.not_found_with_data
        return response.data["data"]

    async def meta(self, path: str) -> dict[str, Any]:
        response = await self.read(f"metadata/{path}")
        assert response is not None and response.data is not None
        return response.data

    def raw_keys(self) -> list[str]:
        """Every physical key of the mount, without the mount prefix."""
        return [k[len(PREFIX):] for k in self.physical.all_keys() if k.startswith(PREFIX)]


def body(response: Response | None) -> Any:
    assert response is not None
    return response.data
