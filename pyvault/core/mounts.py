"""The persisted mount tables (secrets at ``core/mounts``, auth at ``core/auth``).

Each mount's data lives under a UUID-named prefix, so moving a mount (remount) only
rewrites the table, never the data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgpack

from pyvault.core.router import Router
from pyvault.crypto.random import RandomSource
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.storage import Storage, StorageView, collect_keys
from pyvault.util.ids import new_uuid

log = logging.getLogger("pyvault.mounts")

SECRET_TABLE = "core/mounts"
AUTH_TABLE = "core/auth"
# Mount points the core owns: nothing may be mounted under or over them.
PROTECTED = ("sys/", "auth/", "cubbyhole/", "identity/")

BackendMaker = Callable[[MountEntry], Awaitable[Backend]]
MountHook = Callable[[MountEntry], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DefaultMount:
    path: str
    type: str
    description: str
    local: bool = False
    seal_wrap: bool = False


DEFAULT_SECRET_MOUNTS = (
    DefaultMount("cubbyhole/", "cubbyhole", "per-token private secret storage", local=True),
    DefaultMount("sys/", "system", "system endpoints used for control, policy and debugging",
                 seal_wrap=True),
)
DEFAULT_AUTH_MOUNTS = (DefaultMount("auth/token/", "token", "token based credentials"),)


class MountTable:
    """Owns both tables and keeps the router in step with them."""

    def __init__(
        self, storage: Storage, router: Router, random: RandomSource, make_backend: BackendMaker
    ) -> None:
        self._storage = storage
        self._router = router
        self._random = random
        self._make_backend = make_backend
        self._entries: dict[str, MountEntry] = {}
        self.before_unmount: list[MountHook] = []

    async def load(self) -> None:
        """Read both tables (creating the defaults on first unseal) and mount all."""
        self._entries.clear()
        for key, defaults, is_auth in (
            (SECRET_TABLE, DEFAULT_SECRET_MOUNTS, False),
            (AUTH_TABLE, DEFAULT_AUTH_MOUNTS, True),
        ):
            raw = await self._storage.get(key)
            if raw is None:
                entries = [self._new_entry(d.path, d.type, d.description, is_auth=is_auth,
                                           local=d.local, seal_wrap=d.seal_wrap)
                           for d in defaults]
                for entry in entries:
                    if entry.type == "system":
                        # Vault passes Accept through to sys/ (the metrics endpoint uses it).
                        entry.extra_config["passthrough_request_headers"] = ["Accept"]
            else:
                entries = [MountEntry.from_record(r) for r in msgpack.unpackb(raw)]
            for entry in entries:
                self._entries[entry.path] = entry
            if raw is None:
                await self._persist(is_auth)
        for entry in self._entries.values():
            await self._activate(entry)

    def entries(self, *, auth: bool) -> list[MountEntry]:
        return sorted((e for e in self._entries.values() if e.is_auth == auth),
                      key=lambda e: e.path)

    def get(self, path: str) -> MountEntry | None:
        return self._entries.get(path)

    def owner_of(self, path: str) -> MountEntry | None:
        """The mount whose path is the longest prefix of ``path``."""
        matched = self._router.match(path)
        return matched[0].entry if matched else None

    def _new_entry(self, path: str, type_: str, description: str, *, is_auth: bool,
                   local: bool = False, seal_wrap: bool = False) -> MountEntry:
        uuid = new_uuid(self._random)
        accessor_type = f"auth_{type_}" if is_auth else type_
        if type_ == "system":
            prefix = "sys/"
        elif type_ == "token":
            prefix = "sys/token/"
        else:
            prefix = f"{'auth' if is_auth else 'logical'}/{uuid}/"
        return MountEntry(path=path, type=type_, uuid=uuid,
                          accessor=f"{accessor_type}_{self._random.bytes(4).hex()}",
                          description=description, local=local, seal_wrap=seal_wrap,
                          storage_prefix=prefix, is_auth=is_auth)

    def check_free(self, path: str) -> None:
        """Vault refuses a mount that contains, or sits inside, another mount."""
        for existing in self._entries:
            if path.startswith(existing) or existing.startswith(path):
                shown = existing[len("auth/"):] if existing.startswith("auth/") else existing
                raise InvalidRequest(f"path is already in use at {shown}")

    async def mount(self, entry: MountEntry) -> None:
        self.check_free(entry.path)
        self._entries[entry.path] = entry
        try:
            await self._activate(entry)
        except Exception:
            del self._entries[entry.path]
            raise
        await self._persist(entry.is_auth)
        log.info("mounted %s at %s", entry.type, entry.path)

    def new_entry(self, path: str, type_: str, *, is_auth: bool) -> MountEntry:
        return self._new_entry(path, type_, "", is_auth=is_auth)

    async def unmount(self, path: str) -> MountEntry | None:
        """Remove the mount, its leases (via hooks) and all of its data."""
        entry = self._entries.get(path)
        if entry is None:
            return None
        for hook in self.before_unmount:
            await hook(entry)
        self._router.unmount(path)
        del self._entries[path]
        await self._persist(entry.is_auth)
        view = StorageView(self._storage, entry.storage_prefix)
        for key in await collect_keys(view):
            await view.delete(key)
        log.info("unmounted %s", path)
        return entry

    async def remount(self, source: str, target: str) -> MountEntry:
        entry = self._entries[source]
        for hook in self.before_unmount:
            await hook(entry)
        self.check_free_except(target, "")
        self._router.unmount(source)
        del self._entries[source]
        entry.path = target
        self._entries[target] = entry
        await self._activate(entry)
        await self._persist(entry.is_auth)
        log.info("remounted %s to %s", source, target)
        return entry

    def check_free_except(self, path: str, ignored: str) -> None:
        for existing in self._entries:
            if existing != ignored and (path.startswith(existing) or existing.startswith(path)):
                raise InvalidRequest(f'path already in use at "{existing}"')

    async def save(self, entry: MountEntry) -> None:
        """Persist a tuned entry."""
        await self._persist(entry.is_auth)

    async def reload(self, entry: MountEntry) -> None:
        """Re-create the backend of ``entry`` (after options such as the KV version change)."""
        self._router.unmount(entry.path)
        await self._activate(entry)

    async def _activate(self, entry: MountEntry) -> None:
        backend = await self._make_backend(entry)
        self._router.mount(entry, backend, StorageView(self._storage, entry.storage_prefix))

    async def _persist(self, is_auth: bool) -> None:
        records = [e.to_record() for e in self.entries(auth=is_auth)]
        await self._storage.put(AUTH_TABLE if is_auth else SECRET_TABLE,
                                msgpack.packb(records, use_bin_type=True))
