"""One auth or secrets mount on in-memory storage, driven the way the core drives it
(existence check → create/update), with a fake clock. Shared by the userpass,
approle and totp unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.crypto.random import SystemRandom
from pyvault.framework.backend import Backend
from pyvault.logical.login import AuthRenewal, RenewingToken
from pyvault.logical.operation import Operation
from pyvault.logical.request import Connection, Request
from pyvault.logical.response import Response
from pyvault.logical.storage import StorageView
from pyvault.logical.system_view import BackendConfig
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock

DEFAULT_TTL = 2_764_800
START = 1_700_000_000.0
PREFIX = "auth/mount-uuid/"


class SystemView:
    def default_lease_ttl(self) -> int:
        return DEFAULT_TTL

    def max_lease_ttl(self) -> int:
        return DEFAULT_TTL


@dataclass
class Mount:
    factory: Callable[[BackendConfig], Backend]
    mount_point: str = "auth/test/"
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    physical: InmemBackend = field(default_factory=InmemBackend)
    remote_addr: str = "127.0.0.1"
    backend: Backend = field(init=False)
    storage: StorageView = field(init=False)

    def __post_init__(self) -> None:
        self.storage = StorageView(self.physical, PREFIX)
        self.backend = self.factory(BackendConfig(
            system=SystemView(), clock=self.clock, random=SystemRandom(), mount_type="test"))

    def request(self, operation: Operation, path: str,
                data: dict[str, Any] | None = None) -> Request:
        return Request(operation=operation, path=path, data=dict(data or {}),
                       storage=self.storage, mount_point=self.mount_point,
                       connection=Connection(remote_addr=self.remote_addr))

    async def call(self, operation: Operation, path: str,
                   data: dict[str, Any] | None = None) -> Response | None:
        request = self.request(operation, path, data)
        if operation is Operation.UPDATE and await self.backend.exists(request) is False:
            request = replace(request, operation=Operation.CREATE)
        return await self.backend.handle(request)

    async def write(self, path: str, **data: Any) -> Response | None:
        return await self.call(Operation.UPDATE, path, data)

    async def read(self, path: str) -> Response | None:
        return await self.call(Operation.READ, path)

    async def data(self, operation: Operation, path: str, **data: Any) -> dict[str, Any]:
        response = await self.call(operation, path, data)
        assert response is not None and response.data is not None
        return response.data

    async def renew(self, path: str, metadata: dict[str, str],
                    policies: list[str]) -> AuthRenewal | None:
        assert self.backend.renew_auth is not None
        request = self.request(Operation.RENEW, path)
        return await self.backend.renew_auth(
            request, RenewingToken(policies=policies, metadata=metadata, increment=0))

    def raw_values(self) -> list[bytes]:
        """Every stored value of the mount, as bytes (to prove what is not stored)."""
        return [v for k, v in self.physical._data.items() if k.startswith(PREFIX)]
