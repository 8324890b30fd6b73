"""A token store, expiration manager and auth/token/ backend wired together on
in-memory storage and a FakeClock, plus a fake backend for secret leases."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.crypto.random import SystemRandom
from pyvault.expiration.lease import LeaseEntry
from pyvault.expiration.manager import ExpirationManager
from pyvault.expiration.protocols import SecretRenewal
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import StorageView
from pyvault.physical.inmem import InmemBackend
from pyvault.token.backend import token_backend
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore
from pyvault.util.clock import FakeClock

DAY = 86400
SYSTEM_TTL = 768 * 3600  # Vault's default and max lease TTL (32 days)


@dataclass
class FixedSystem:
    default: int = SYSTEM_TTL
    maximum: int = SYSTEM_TTL

    def default_lease_ttl(self) -> int:
        return self.default

    def max_lease_ttl(self) -> int:
        return self.maximum


@dataclass
class FakeSecrets:
    """Plays the core's part for secret leases: records calls, can be told to fail."""

    revoked: list[str] = field(default_factory=list)
    renewals: list[tuple[str, int]] = field(default_factory=list)
    fail_revoke: bool = False
    renew_ttl: int = 0
    renew_max_ttl: int = 0
    limits: tuple[int, int] = (SYSTEM_TTL, SYSTEM_TTL)

    async def revoke_secret(self, lease: LeaseEntry) -> None:
        if self.fail_revoke:
            raise InvalidRequest("backend is down")
        self.revoked.append(lease.lease_id)

    async def renew_secret(self, lease: LeaseEntry, increment: int) -> SecretRenewal:
        self.renewals.append((lease.lease_id, increment))
        return SecretRenewal(ttl=self.renew_ttl, max_ttl=self.renew_max_ttl,
                             data={"renewed": True})

    def ttl_limits(self, path: str) -> tuple[int, int]:
        return self.limits

    def mount_accessor(self, path: str) -> str:
        return "pki_1234" if path.startswith("pki/") else ""


@dataclass
class Env:
    physical: InmemBackend
    clock: FakeClock
    store: TokenStore
    expiration: ExpirationManager
    secrets: FakeSecrets
    system: FixedSystem
    backend: Backend
    root: str = ""
    sudo_tokens: set[str] = field(default_factory=set)  # hashes granted sudo

    async def call(
        self, path: str, data: dict[str, Any] | None = None, *, token: str | None = None,
        op: Operation = Operation.UPDATE,
    ) -> Response | None:
        """One request through the backend, with the pipeline's use()/release()."""
        client = self.root if token is None else token
        entry = await self.store.lookup(client) if client else None
        request = Request(operation=op, path=path, data=dict(data or {}), client_token=client,
                          token_entry=entry, mount_point="auth/token/",
                          storage=StorageView(self.physical, "auth/token-mount/"))
        if op is Operation.UPDATE and await self.backend.exists(request) is False:
            request = replace(request, operation=Operation.CREATE)  # as the pipeline does
        if entry is not None:
            assert await self.store.use(entry)
        try:
            return await self.backend.handle(request)
        finally:
            if entry is not None:
                await self.store.release(entry)

    async def create(self, token: str | None = None, **data: Any) -> tuple[str, str]:
        """Create a token; returns (token, accessor)."""
        response = await self.call("create", data, token=token)
        assert response is not None and response.auth is not None
        return response.auth.client_token, response.auth.accessor

    async def entry(self, token: str) -> TokenEntry | None:
        return await self.store.lookup(token)

    async def restart(self) -> Env:
        """A new store and manager over the same storage: what an unseal does."""
        return await make_env(self.physical, self.clock, self.system, root=self.root)


async def make_env(
    physical: InmemBackend | None = None,
    clock: FakeClock | None = None,
    system: FixedSystem | None = None,
    *,
    root: str = "",
) -> Env:
    physical = physical or InmemBackend()
    clock = clock or FakeClock()
    system = system or FixedSystem()
    random = SystemRandom()
    store = TokenStore(StorageView(physical, "sys/token/"), random, clock)
    secrets = FakeSecrets()
    expiration = ExpirationManager(StorageView(physical, "sys/expire/"), clock, random,
                                   tokens=store, backends=secrets)
    store.attach_expiration(expiration)
    await store.load()
    env = Env(physical, clock, store, expiration, secrets, system,
              Backend(paths=[]), root=root)

    async def sudo(entry: TokenEntry, path: str) -> bool:
        return entry.is_root() or entry.token_hash in env.sudo_tokens

    async def policy_exists(name: str) -> bool:
        return name in ("root", "default", "dev")

    env.backend = token_backend(store, expiration, system, sudo=sudo,
                                policy_exists=policy_exists)
    await expiration.restore()
    if not env.root:
        env.root = await store.create_root("root")
    return env
