"""The Core: the server's state machine and the request pipeline entry point.

States: uninitialised → sealed ⇄ unsealed. Everything below (barrier, token store,
mounts) only exists in memory while unsealed and is dropped on seal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import msgpack

from pyvault.audit.broker import AuditBroker, log_failure
from pyvault.audit.entry import AuditTrail
from pyvault.barrier.aes_gcm import AESGCMBarrier
from pyvault.builtin.secrets.cubbyhole.backend import cubbyhole_owner, destroy_cubbyhole
from pyvault.core.access import AccessCheck
from pyvault.core.ceremony import Ceremony, check_key_length, decode_key
from pyvault.core.generate_root import RootGeneration
from pyvault.core.login import LoginRenewerImpl, issue_login_token, issues_login_token
from pyvault.core.mounts import MountTable
from pyvault.core.pipeline import handle_request
from pyvault.core.rekey import Rekey
from pyvault.core.root_rotation import RootRotation
from pyvault.core.router import Router
from pyvault.core.seal_config import SealConfig
from pyvault.core.system_adapter import CoreSystem
from pyvault.core.wrapping import WRAPPING_TOKEN_PATHS, ResponseWrapper
from pyvault.crypto.random import RandomSource, SystemRandom
from pyvault.expiration.manager import ExpirationManager
from pyvault.framework.backend import Backend
from pyvault.logical.envelope import envelope
from pyvault.logical.errors import (
    InvalidRequest,
    PermissionDenied,
    Sealed,
    VaultError,
    multierror,
)
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage, StorageView
from pyvault.logical.system_view import SystemView
from pyvault.metrics.registry import Metrics
from pyvault.metrics.state import CoreState
from pyvault.physical.protocol import PhysicalBackend
from pyvault.policy.store import PolicyStore
from pyvault.token.backend import token_backend
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore
from pyvault.util.clock import Clock, SystemClock
from pyvault.util.ids import new_uuid

log = logging.getLogger("pyvault.core")

CLUSTER_INFO_PATH = "core/cluster/local/info"
# Static-secret engines: a TTL in their answer is a hint for clients, not a lease.
PASSTHROUGH_TYPES = frozenset({"kv", "generic"})


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreConfig:
    storage_type: str = "inmem"
    default_lease_ttl: int = 2764800
    max_lease_ttl: int = 2764800
    api_addr: str = ""
    cluster_addr: str = ""
    cluster_name: str = ""
    # OpenBao's switches: API-created audit devices are refused unless allowed.
    allow_api_audit_creation: bool = False
    allow_audit_log_prefixing: bool = False


@dataclass(frozen=True, slots=True)
class SealStatus:
    initialized: bool
    sealed: bool
    threshold: int
    shares: int
    progress: int
    nonce: str
    cluster_name: str = ""
    cluster_id: str = ""


@dataclass(frozen=True, slots=True)
class InitResponse:
    keys: list[bytes] = field(repr=False)
    root_token: str = field(repr=False)


class Core:
    def __init__(
        self,
        physical: PhysicalBackend,
        config: CoreConfig | None = None,
        *,
        random: RandomSource | None = None,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config or CoreConfig()
        self.physical = physical
        self.random: RandomSource = random or SystemRandom()
        self.clock: Clock = clock or SystemClock()
        self.barrier = AESGCMBarrier(physical, self.random, self.clock)
        self.audit = AuditBroker(
            self.barrier, self.random, self.clock,
            allow_api_creation=self.config.allow_api_audit_creation,
            allow_prefixing=self.config.allow_audit_log_prefixing,
        )
        self.metrics = metrics or Metrics()
        self.state = CoreState(self)  # in-flight count and the scrape-time gauges
        self.metrics.watch_state(self.state.read)
        self.ceremony = Ceremony(physical, self.barrier, self.random)
        self.tokens = TokenStore(StorageView(self.barrier, "sys/token/"), self.random, self.clock)
        self.rekey = Rekey(self.ceremony, self.barrier, self.random, self.clock)
        self.rotation = RootRotation(self.ceremony, self.barrier, self.random, self.clock)
        self.root_generation = RootGeneration(
            self.ceremony, self.random, self.clock, self.tokens.create_root
        )
        self.router = Router()
        self.policies = PolicyStore(StorageView(self.barrier, "sys/policy/"), self.clock)
        self.system = CoreSystem(self)
        self.expiration = ExpirationManager(
            StorageView(self.barrier, "sys/expire/"), self.clock, self.random,
            tokens=self.tokens, backends=self.system,
        )
        self.tokens.attach_expiration(self.expiration)
        self.tokens.attach_login_renewer(LoginRenewerImpl(self))
        self.wrapper = ResponseWrapper(self.tokens, self._cubbyhole_view, self.clock, envelope)
        self.tokens.add_revoke_hook(self._destroy_cubbyhole)
        self.mounts = MountTable(self.barrier, self.router, self.random, self.system.make_backend)
        self.mounts.before_unmount.append(self._revoke_mount_leases)
        self._sealed = True
        self._initialized: bool | None = None
        self.cluster_name = ""
        self.cluster_id = ""

    # ---- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        await self.physical.open()

    async def close(self) -> None:
        if not self._sealed:
            await self._teardown()
        await self.physical.close()

    @property
    def sealed(self) -> bool:
        return self._sealed

    async def initialized(self) -> bool:
        if not self._initialized:
            self._initialized = await self.ceremony.seal_config() is not None
        return self._initialized

    async def seal_status(self) -> SealStatus:
        config = await self.ceremony.seal_config()
        progress = self.ceremony.progress
        return SealStatus(
            initialized=config is not None,
            sealed=self._sealed,
            threshold=config.secret_threshold if config else 0,
            shares=config.secret_shares if config else 0,
            progress=len(progress.parts),
            nonce=progress.nonce,
            cluster_name=self.cluster_name if not self._sealed else "",
            cluster_id=self.cluster_id if not self._sealed else "",
        )

    async def initialize(
        self, shares: int, threshold: int, root_token_id: str | None = None
    ) -> InitResponse:
        """Vault's sys/init: keys are made, the root token minted, the vault left sealed."""
        async with self.ceremony.lock:
            result = await self.ceremony.initialize(SealConfig("shamir", shares, threshold))
            await self.barrier.unseal(result.root_key)
            try:
                await self.tokens.load()
                token = await self.tokens.create_root(root_token_id)
                name = self.config.cluster_name or f"vault-cluster-{self.random.bytes(4).hex()}"
                info = {"name": name, "id": new_uuid(self.random)}
                await self.barrier.put(CLUSTER_INFO_PATH, msgpack.packb(info))
            finally:
                self.tokens.unload()
                self.barrier.seal()
            self._initialized = True
            log.info("core: vault initialized with %d shares, threshold %d", shares, threshold)
            return InitResponse(keys=result.shares, root_token=token)

    async def unseal(self, key: str | None, reset: bool = False) -> SealStatus:
        """One step of sys/unseal; progress lives only in memory. Checks run in
        Vault's order, so each bad input gets the error Vault gives it."""
        if reset:
            if not self._sealed:
                raise InvalidRequest("vault is unsealed")
            self.ceremony.reset_progress()
            return await self.seal_status()
        if not key:
            raise InvalidRequest(
                "'key' must be specified in request body as JSON, or 'reset' set to true"
            )
        share = decode_key(key)
        async with self.ceremony.lock:
            if not await self.initialized():
                raise InvalidRequest("Vault is not initialized")
            if self._sealed:
                check_key_length(share)
                root_key = await self.ceremony.submit(share)
                if root_key is not None:
                    await self.ceremony.open_barrier(root_key)
                    await self._setup()
        return await self.seal_status()

    async def seal(self) -> None:
        async with self.ceremony.lock:
            if self._sealed:
                return
            await self._teardown()
            log.info("core: vault is sealed")

    async def _setup(self) -> None:
        """Bring everything behind the barrier to life after unseal."""
        await self.tokens.load()
        await self.policies.load()
        raw = await self.barrier.get(CLUSTER_INFO_PATH)
        if raw is not None:
            info = msgpack.unpackb(raw)
            self.cluster_name, self.cluster_id = info["name"], info["id"]
        self.router.clear()
        await self.audit.load()
        await self.mounts.load()
        await self.expiration.restore()
        self.expiration.start()
        self.rotation.start()
        self._sealed = False
        log.info("core: vault is unsealed")

    async def _teardown(self) -> None:
        self._sealed = True
        await self.expiration.stop()
        self.router.clear()
        await self.audit.unload()
        self.tokens.unload()
        self.policies.unload()
        self.barrier.seal()
        self.ceremony.reset_progress()
        await self.rotation.stop()
        self.rekey.reset()
        self.root_generation.reset()

    async def mount_dev_secrets(self) -> None:
        """Dev mode, as Vault's: KV version 2 at ``secret/``."""
        entry = self.mounts.new_entry("secret/", "kv", is_auth=False)
        entry.description = "key/value secret storage"
        entry.options = {"version": "2"}
        await self.mounts.mount(entry)

    # ---- services the pipeline and backends use --------------------------------------

    def token_backend(self, system: SystemView) -> Backend:
        """The auth/token/ backend (the token store's paths)."""
        return token_backend(self.tokens, self.expiration, system,
                             sudo=self._has_sudo, policy_exists=self._policy_exists)

    async def _has_sudo(self, entry: TokenEntry, path: str) -> bool:
        return entry.is_root() or "sudo" in (await self.policies.acl(entry.policies)) \
            .capabilities(path)

    async def _policy_exists(self, name: str) -> bool:
        return name == "root" or await self.policies.get(name) is not None

    def _cubbyhole_view(self) -> Storage:
        matched = self.router.match("cubbyhole/")
        if matched is None:
            raise Sealed()
        return matched[0].view

    async def _revoke_mount_leases(self, entry: MountEntry) -> None:
        """Disabling (or moving) a mount revokes every lease it issued, as Vault does."""
        await self.expiration.revoke_prefix(entry.path, force=True)

    async def _destroy_cubbyhole(self, entry: TokenEntry) -> None:
        if not self._sealed:
            await destroy_cubbyhole(self._cubbyhole_view(), cubbyhole_owner(entry))

    async def acl_for(self, entry: TokenEntry) -> AccessCheck:
        return AccessCheck(await self.policies.acl(entry.policies))

    async def authorize(
        self, entry: TokenEntry, request: Request, full_path: str, is_root_path: bool
    ) -> None:
        """Refuse unless the token's policies allow the operation (and sudo where needed)."""
        acl = await self.acl_for(entry)
        if not acl.allows(request.operation, full_path, request.data, is_root_path,
                          request.wrap_ttl):
            # ACL refusals come wrapped by go-multierror in Vault; a bad token does not.
            raise PermissionDenied(multierror("permission denied"))

    async def can_access_path(self, entry: TokenEntry, path: str) -> bool:
        return (await self.acl_for(entry)).any_capability(path)

    async def can_access_mount(self, entry: TokenEntry, mount_path: str) -> bool:
        return (await self.acl_for(entry)).any_capability_below(mount_path)

    async def after_response(
        self, routed: Request, original: Request, response: Response | None
    ) -> Response | None:
        """Login tokens, lease registration, then response wrapping."""
        if issues_login_token(routed, response):
            assert response is not None
            await issue_login_token(self, routed, original, response)
        if (response is not None and response.secret is not None and routed.token_entry
                and routed.mount_type not in PASSTHROUGH_TYPES):
            await self._register_secret(routed, original, response)
        if original.wrap_ttl > 0:
            return await self.wrapper.wrap(
                response, ttl=original.wrap_ttl, creation_path=original.path,
                parent=routed.token_entry, request_id=original.request_id,
                operation=routed.operation,
            )
        return response

    async def _register_secret(
        self, routed: Request, original: Request, response: Response
    ) -> None:
        secret = response.secret
        assert secret is not None and response.data is not None
        lease = await self.expiration.register_secret(
            path=original.path, ttl=secret.lease_duration, renewable=secret.renewable,
            owner=routed.token_entry, data=dict(response.data), internal={},
            max_ttl=0,
        )
        secret.lease_id = lease.lease_id
        secret.lease_duration = lease.ttl_at(self.clock.now())

    # ---- the request pipeline ----------------------------------------------------------

    async def handle(self, request: Request) -> Response | None:
        # Audit off: one attribute check, no trail, no extra awaits.
        trail = AuditTrail(request) if self.audit.active and not self._sealed else None
        try:
            if not self._sealed and request.path in WRAPPING_TOKEN_PATHS:
                # Vault validates the wrapping token before the caller's own token.
                await self.wrapper.validate_token(request)
            response = await handle_request(self, request, trail)
        except VaultError as exc:
            if trail is not None:
                await log_failure(self.audit, trail, exc)
            raise
        if trail is not None:
            await self.audit.log_response(trail, response)
        return response
