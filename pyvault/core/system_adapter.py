"""The core as the sys backend sees it: SystemOps and MountOps over Core's parts."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from pyvault.builtin.registry import AUTH_METHODS, CUBBYHOLE, SECRET_ENGINES, load_factory
from pyvault.builtin.system.backend import system_backend
from pyvault.builtin.system.ops import HANode, KeyStatus
from pyvault.expiration.lease import LeaseEntry
from pyvault.expiration.protocols import SecretRenewal
from pyvault.framework.backend import Backend
from pyvault.framework.path import Path
from pyvault.logical.errors import PermissionDenied
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.request import Request
from pyvault.logical.system_view import BackendConfig
from pyvault.version import VAULT_API_VERSION

if TYPE_CHECKING:
    from pyvault.core.core import Core

log = logging.getLogger("pyvault.core")


class MountSystemView:
    """TTL defaults for one mount: its tuned values, else the server's."""

    def __init__(self, entry: MountEntry, core: Core) -> None:
        self._entry = entry
        self._core = core

    def default_lease_ttl(self) -> int:
        return self._entry.default_lease_ttl or self._core.config.default_lease_ttl

    def max_lease_ttl(self) -> int:
        return self._entry.max_lease_ttl or self._core.config.max_lease_ttl


class CoreSystem:
    """Implements the sys backend's SystemOps and MountOps protocols."""

    def __init__(self, core: Core) -> None:
        self._core = core

    # ---- backends -------------------------------------------------------------------

    async def make_backend(self, entry: MountEntry) -> Backend:
        core = self._core
        if entry.type == "system":
            return system_backend(self, self, core.random, core.policies, core.tokens,
                                  self.mounted_paths, core.expiration, core.wrapper,
                                  audit=core.audit, metrics=(core.metrics, core.clock),
                                  in_flight=lambda: core.state.requests)
        if entry.type == "token":
            return core.token_backend(MountSystemView(entry, core))
        config = BackendConfig(
            system=MountSystemView(entry, core), clock=core.clock, random=core.random,
            mount_type=entry.type, options=dict(entry.options or {}),
        )
        if entry.type == "cubbyhole":
            return load_factory(CUBBYHOLE)(config)
        table = AUTH_METHODS if entry.is_auth else SECRET_ENGINES
        return load_factory(table[entry.type])(config)

    def mounted_paths(self) -> list[tuple[str, str, list[Path]]]:
        return [(r.entry.path, r.entry.type, list(r.backend.paths))
                for r in self._core.router.routes()]

    # ---- LeaseBackendCaller: the expiration manager reaching secret engines ---------

    async def revoke_secret(self, lease: LeaseEntry) -> None:
        """Route a revoke to the engine that issued the lease; engines without
        revocation logic (static secrets) have nothing to undo."""
        matched = self._core.router.match(lease.path)
        if matched is None:
            return
        route = matched[0]
        if route.backend.revoke_secret is not None:
            await route.backend.revoke_secret(route.view, lease.path, lease.data,
                                              lease.internal)

    async def renew_secret(self, lease: LeaseEntry, increment: int) -> SecretRenewal:
        matched = self._core.router.match(lease.path)
        if matched is None or matched[0].backend.renew_secret is None:
            return SecretRenewal()
        renewal: SecretRenewal = await matched[0].backend.renew_secret(
            matched[0].view, lease.path, lease.data, increment
        )
        return renewal

    def ttl_limits(self, path: str) -> tuple[int, int]:
        entry = self._core.mounts.owner_of(path)
        if entry is None:
            return self._core.config.default_lease_ttl, self._core.config.max_lease_ttl
        view = MountSystemView(entry, self._core)
        return view.default_lease_ttl(), view.max_lease_ttl()

    def mount_accessor(self, path: str) -> str:
        entry = self._core.mounts.owner_of(path)
        return entry.accessor if entry else ""

    # ---- SystemOps ---------------------------------------------------------------------

    async def seal_from_request(self, request: Request) -> None:
        await self._core.seal()

    async def step_down(self) -> None:
        """Give up the HA lock; without HA storage there is none (Vault answers 204)."""
        if self._core.ha is None:
            log.info("step-down requested; this node has no HA lock to release")
            return
        log.info("step-down requested")
        self._core.ha.request_step_down()

    def ha_nodes(self) -> list[HANode]:
        """This (active) node first, then the standbys that echoed recently."""
        core = self._core
        ha = core.ha
        hostname = ha.hostname if ha is not None else socket.gethostname()
        nodes = [HANode(hostname, core.config.api_addr, core.config.cluster_addr, True, None,
                        VAULT_API_VERSION)]
        if ha is not None:
            nodes.extend(HANode(echo.hostname, echo.api_addr, echo.cluster_addr, False,
                                echo.last_echo, echo.version) for echo in ha.live_echoes())
        return nodes

    async def rotate_barrier(self) -> KeyStatus:
        term = await self._core.barrier.rotate()
        log.info("barrier key rotated to term %d", term.term)
        return KeyStatus(term.term, term.install_time, 0)

    def key_status(self) -> KeyStatus:
        barrier = self._core.barrier
        active = barrier.active_term()
        return KeyStatus(active.term, active.install_time, barrier.encryptions(active.term))

    # ---- MountOps ------------------------------------------------------------------------

    def mount_entries(self, *, auth: bool) -> list[MountEntry]:
        return self._core.mounts.entries(auth=auth)

    def mount_entry(self, path: str) -> MountEntry | None:
        return self._core.mounts.get(path)

    def new_mount_entry(self, path: str, type_: str, *, auth: bool) -> MountEntry:
        return self._core.mounts.new_entry(path, type_, is_auth=auth)

    def mount_type_known(self, type_: str, *, auth: bool) -> bool:
        return type_ in (AUTH_METHODS if auth else SECRET_ENGINES)

    async def enable_mount(self, entry: MountEntry) -> None:
        await self._core.mounts.mount(entry)

    async def disable_mount(self, path: str) -> None:
        await self._core.mounts.unmount(path)

    async def move_mount(self, source: str, target: str) -> None:
        await self._core.mounts.remount(source, target)

    async def save_mount(self, entry: MountEntry, *, reload: bool) -> None:
        await self._core.mounts.save(entry)
        if reload:
            await self._core.mounts.reload(entry)

    async def upgrade_mount(self, entry: MountEntry, old_version: str) -> None:
        """KV v1 → v2: swap in the v2 engine at once; it converts the v1 data before
        it serves its first request (requests wait), so no v1 write can slip past."""
        await self.save_mount(entry, reload=True)

    def system_default_lease_ttl(self) -> int:
        return self._core.config.default_lease_ttl

    def system_max_lease_ttl(self) -> int:
        return self._core.config.max_lease_ttl

    async def ui_mounts(self, request: Request) -> dict[str, dict[str, object]]:
        """Without a token: only ``listing_visibility = "unauth"`` mounts, in brief.
        With a token: every mount the token can use, in full."""
        core = self._core
        token = None
        if request.client_token:
            token = await core.tokens.lookup(request.client_token)
            if token is None:
                raise PermissionDenied()
        result: dict[str, dict[str, object]] = {"auth": {}, "secret": {}}
        for auth, key in ((True, "auth"), (False, "secret")):
            for entry in core.mounts.entries(auth=auth):
                listed = entry.extra_config.get("listing_visibility") == "unauth"
                if token is None:
                    if listed:
                        result[key][entry.relative_path] = {
                            "description": entry.description,
                            "options": entry.options,
                            "type": entry.type,
                        }
                elif listed or await core.can_access_mount(token, entry.path):
                    result[key][entry.relative_path] = entry.view()
        return result

    async def ui_mount(self, request: Request, path: str) -> MountEntry:
        core = self._core
        token = await core.tokens.lookup(request.client_token) if request.client_token else None
        if token is None:
            raise PermissionDenied()
        full = path if path.endswith("/") else path + "/"
        entry = core.mounts.owner_of(path) or core.mounts.owner_of(full)
        if entry is None or not await core.can_access_mount(token, entry.path):
            shown = entry.path if entry else full
            raise PermissionDenied(
                "preflight capability check returned 403, please ensure client's policies "
                f'grant access to path "{shown}"'
            )
        return entry
