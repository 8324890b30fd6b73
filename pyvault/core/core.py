"""The Core: the server's state machine and the request pipeline entry point.

States: uninitialised → sealed ⇄ unsealed. Everything below (barrier, token store,
mounts) only exists in memory while unsealed and is dropped on seal.
"""

from __future__ import annotations

import asyncio
import gc
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
from pyvault.core.ha import Advertisement, HAManager, StandbyNode
from pyvault.core.login import LoginRenewerImpl, issue_login_token, issues_login_token
from pyvault.core.mounts import MountTable
from pyvault.core.periodic import PeriodicRunner
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
from pyvault.physical.protocol import HABackend, PhysicalBackend
from pyvault.policy.store import PolicyStore
from pyvault.seal.protocol import AutoSeal, SealError
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
    # HA standbys forward requests to the active node (False: 307 redirect instead).
    request_forwarding: bool = True
    # A server process freezes the collector's view after unseal (tests do not: a full
    # collection per unsealed test core would cost more than it saves).
    freeze_gc_after_unseal: bool = False
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
    type: str = "shamir"
    recovery_seal: bool = False  # an auto seal: t and n count recovery key shares
    migration: bool = False  # a seal migration is configured and not yet done


@dataclass(frozen=True, slots=True)
class InitResponse:
    keys: list[bytes] = field(repr=False)
    root_token: str = field(repr=False)
    recovery_keys: list[bytes] = field(default_factory=list, repr=False)


class Core:
    def __init__(
        self,
        physical: PhysicalBackend,
        config: CoreConfig | None = None,
        *,
        random: RandomSource | None = None,
        clock: Clock | None = None,
        metrics: Metrics | None = None,
        ha_backend: HABackend | None = None,
        seal: AutoSeal | None = None,
        unwrap_seal: AutoSeal | None = None,
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
        self.ceremony = Ceremony(physical, self.barrier, self.random, seal, unwrap_seal)
        self.tokens = TokenStore(StorageView(self.barrier, "sys/token/"), self.random, self.clock)
        # Under an auto seal, sys/rekey/* makes a new root key (sys/rotate/root's way).
        self.rekey = Rekey(self.ceremony, self.barrier, self.random, self.clock,
                           rotate_root=lambda: self.rotation.rotate_root())
        self.rotation = RootRotation(self.ceremony, self.barrier, self.random, self.clock)
        self.root_generation = RootGeneration(
            self.ceremony, self.random, self.clock, self.tokens.create_root
        )
        self.router = Router()
        self.periodic = PeriodicRunner(self.router)  # backends' periodic funcs (tidy, CRLs)
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
        # HA storage: unsealed nodes elect one active node; the others stand by.
        self.ha: HAManager | None = None
        self._pending_seal: asyncio.Task[None] | None = None
        if ha_backend is not None and ha_backend.ha_enabled:
            self.ha = HAManager(
                ha_backend,
                Advertisement(self.config.api_addr, self.config.cluster_addr),
                self.clock,
                become_active=self._become_active,
                become_standby=self._become_standby,
            )

    # ---- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        """Open storage and check the configured seals can open it (SealMigrationError
        if not); a seal block marked disabled may mean a pending seal migration."""
        await self.physical.open()
        await self.ceremony.prepare()

    async def close(self) -> None:
        if self.ha is not None:
            await self.ha.stop()
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
        shares = await self.ceremony.operator_config() if config else None
        progress = self.ceremony.progress
        return SealStatus(
            initialized=config is not None,
            sealed=self._sealed,
            threshold=shares.secret_threshold if shares else 0,
            shares=shares.secret_shares if shares else 0,
            progress=len(progress.parts),
            nonce=progress.nonce,
            cluster_name=self.cluster_name if not self._sealed else "",
            cluster_id=self.cluster_id if not self._sealed else "",
            type=self.ceremony.seal_type,
            recovery_seal=self.ceremony.auto is not None,
            migration=await self.ceremony.migration_pending(),
        )

    async def initialize(
        self, shares: int, threshold: int, root_token_id: str | None = None,
        *, recovery_shares: int = 0, recovery_threshold: int = 0,
    ) -> InitResponse:
        """Vault's sys/init: keys are made, the root token minted, the vault left sealed
        (an auto seal: recovery keys are made and the vault unseals itself, as Vault's)."""
        async with self.ceremony.lock:
            result = await self.ceremony.initialize(
                SealConfig("shamir", shares, threshold),
                SealConfig("shamir", recovery_shares, recovery_threshold),
            )
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
            log.info("vault initialized with %d shares, threshold %d", shares, threshold)
            if self.ceremony.auto is not None:
                await self.ceremony.open_barrier(result.root_key)
                await self._after_unseal()
            return InitResponse(keys=result.shares, root_token=token,
                                recovery_keys=result.recovery_shares)

    async def unseal(
        self, key: str | None, reset: bool = False, migrate: bool = False
    ) -> SealStatus:
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
            self.ceremony.check_migrate_flag(migrate)
            if not await self.initialized():
                raise InvalidRequest("Vault is not initialized")
            if self._sealed:
                check_key_length(share)
                root_key = await self.ceremony.submit(share, migrate=migrate)
                if root_key is not None:
                    await self.ceremony.open_barrier(root_key)
                    if self.ha is None:  # with HA the node migrates once it is active
                        await self._migrate_or_reseal()
                    await self._after_unseal()
        return await self.seal_status()

    async def _migrate_or_reseal(self) -> None:
        """A -migrate unseal: move the keys to the new seal; if that fails (the new
        seal unreachable), the vault stays sealed under the old one, as Vault's."""
        try:
            await self.ceremony.migrate_keys()
        except BaseException:
            self.barrier.seal()
            self.ceremony.reset_progress()
            log.error("seal migration failed; the vault stays sealed")
            raise

    async def auto_unseal(self) -> bool:
        """An auto seal opens the vault with no operator (at start). If the seal cannot
        unwrap the root key — HSM token gone, key holder down — the vault stays sealed
        and says why in the log; True once unsealed."""
        if self.ceremony.auto is None:
            return False
        async with self.ceremony.lock:
            if not self._sealed or not await self.initialized():
                return not self._sealed
            if await self.ceremony.migration_pending():
                log.debug("seal migration pending; waiting for a -migrate unseal")
                return False
            try:
                root_key = await self.ceremony.auto_root_key()
                await self.ceremony.open_barrier(root_key)
            except (SealError, VaultError) as exc:
                log.error("auto-unseal failed; the vault stays sealed: %s", exc)
                return False
            await self._after_unseal()
            log.info("unsealed by the %s seal", self.ceremony.seal_type)
            return True

    async def seal(self) -> None:
        async with self.ceremony.lock:
            if self._sealed:
                return
            if self.ha is not None:
                await self.ha.stop()
            await self._teardown()
            log.info("vault is sealed")

    @property
    def standby(self) -> bool:
        """Unsealed but not active: requests go to the active node."""
        return self.ha is not None and not self._sealed and not self.ha.active

    async def _after_unseal(self) -> None:
        """Without HA the node is active at once; with HA it stands by until it
        wins the lock (Vault's standby nodes are unsealed too)."""
        if self.ha is None:
            await self._setup()
            return
        await self._load_cluster_info()
        self._sealed = False
        self.ha.start()
        log.info("vault is unsealed; entering standby")

    async def _become_active(self) -> None:
        """Won the lock: everything is re-read from storage — the old active node may
        have rotated keys, changed mounts or policies while we stood by."""
        try:
            await self.ceremony.reopen_barrier()
        except VaultError:
            # A rekey on the old active node changed the unseal key: this node's
            # copy no longer opens the root key, so the operators must unseal it.
            log.error("the unseal key changed while standing by; sealing this node")
            self._pending_seal = asyncio.create_task(self.seal())
            raise
        await self._setup()

    async def _become_standby(self) -> None:
        """Lost (or gave up) the lock: drop every cache; keep the barrier open."""
        await self._teardown_active()
        self._sealed = False

    async def _load_cluster_info(self) -> None:
        raw = await self.barrier.get(CLUSTER_INFO_PATH)
        if raw is not None:
            info = msgpack.unpackb(raw)
            self.cluster_name, self.cluster_id = info["name"], info["id"]

    async def _setup(self) -> None:
        """Bring everything behind the barrier to life after unseal."""
        await self.tokens.load()
        await self.policies.load()
        await self._load_cluster_info()
        self.router.clear()
        await self.audit.load()
        await self.mounts.load()
        await self.expiration.restore()
        self.expiration.start()
        await self.rotation.restore_encryptions()
        self.rotation.start()
        self.periodic.start()
        # Everything loaded above lives until seal: move it out of the collector's
        # generations, so later gc passes do not walk it again (fewer, shorter pauses).
        if self.config.freeze_gc_after_unseal:
            gc.collect()
            gc.freeze()
        self._sealed = False
        log.info("vault is unsealed")

    async def _teardown(self) -> None:
        await self._teardown_active()
        self.barrier.seal()
        self.ceremony.reset_progress()

    async def _teardown_active(self) -> None:
        """Stop serving: leases, mounts, audit, tokens, policies and ceremonies go."""
        self._sealed = True
        await self.expiration.stop()
        self.router.clear()
        await self.audit.unload()
        self.tokens.unload()
        self.policies.unload()
        await self.rotation.stop()
        await self.periodic.stop()
        if self.config.freeze_gc_after_unseal:
            gc.unfreeze()  # what the sealed core held must be collectable again
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
        if self.standby:
            raise StandbyNode()
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
