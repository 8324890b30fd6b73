"""KV v2 storage access: records in, records out, with an exact in-memory cache.

One ``V2Store`` per mounted backend. It is the only code that touches the v2
keys, so it can keep decoded metadata, version payloads and the config in
memory and update them on every write and delete it makes (the mount has a
single writer: this process). Writers of one secret are serialised with
per-key locks, because a read-modify-write of metadata spans awaits.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from typing import Any, Final

from pyvault.builtin.secrets.kv import layout
from pyvault.builtin.secrets.kv.cache import LRU
from pyvault.builtin.secrets.kv.model import Config, KeyMetadata
from pyvault.builtin.secrets.kv.upgrade import upgrade_done, upgrade_v1_to_v2
from pyvault.logical.errors import InternalError, multierror
from pyvault.logical.storage import Storage, transaction
from pyvault.util.clock import Clock

LOCK_COUNT = 256
CACHE_ENTRIES = 8192


class _Absent:
    """Cached knowledge that a secret has no metadata."""


ABSENT: Final = _Absent()


class V2Store:
    def __init__(self, clock: Clock, cache_entries: int = CACHE_ENTRIES) -> None:
        self.clock = clock
        self._storage: Storage | None = None
        self._ready = False
        self._ready_lock: asyncio.Lock | None = None
        self._config: Config | None = None
        self._meta: LRU[str, KeyMetadata | _Absent] = LRU(cache_entries)
        self._data: LRU[tuple[str, int], bytes] = LRU(cache_entries)
        self._locks: list[asyncio.Lock | None] = [None] * LOCK_COUNT

    # ---- readiness and the v1 → v2 upgrade ------------------------------------------

    async def ready(self, storage: Storage) -> Storage:
        """Bind to the mount's storage; upgrade v1 data first if no marker says done.

        Requests wait for the upgrade instead of failing (Vault answers 400
        "Upgrading from non-versioned to versioned data" meanwhile).
        """
        if self._ready and storage is self._storage:
            return storage
        if self._ready_lock is None:
            self._ready_lock = asyncio.Lock()
        async with self._ready_lock:
            if storage is not self._storage:
                self._bind(storage)
            if not self._ready:
                if not await upgrade_done(storage):
                    await upgrade_v1_to_v2(storage, self.clock)
                self._ready = True
        return storage

    def _bind(self, storage: Storage) -> None:
        self._storage = storage
        self._ready = False
        self._config = None
        self._meta.clear()
        self._data.clear()

    def lock(self, path: str) -> asyncio.Lock:
        """One of a fixed pool of locks, picked by the secret's path (Vault's locksutil)."""
        index = zlib.crc32(path.encode()) % LOCK_COUNT
        found = self._locks[index]
        if found is None:
            found = self._locks[index] = asyncio.Lock()
        return found

    # ---- config ------------------------------------------------------------------------

    async def config(self, storage: Storage) -> Config:
        await self.ready(storage)
        if self._config is None:
            raw = await storage.get(layout.CONFIG_KEY)
            self._config = Config.from_record(layout.decode(raw)) if raw else Config()
        return Config(**self._config.to_record())

    async def save_config(self, storage: Storage, config: Config) -> None:
        await self.ready(storage)
        self._config = None
        await storage.put(layout.CONFIG_KEY, layout.encode(config.to_record()))
        self._config = Config(**config.to_record())

    # ---- metadata ----------------------------------------------------------------------

    async def peek_meta(self, storage: Storage, path: str) -> KeyMetadata | None:
        """The cached record itself: callers must not change it (see ``load_meta``)."""
        await self.ready(storage)
        if not path:
            return None
        cached = self._meta.get(path)
        if cached is None:
            raw = await storage.get(layout.meta_key(path))
            cached = ABSENT if raw is None else KeyMetadata.from_record(layout.decode(raw))
            self._meta.put(path, cached)
        return None if isinstance(cached, _Absent) else cached

    async def load_meta(self, storage: Storage, path: str) -> KeyMetadata | None:
        """A private copy to modify and pass to ``save_meta``."""
        meta = await self.peek_meta(storage, path)
        return None if meta is None else meta.copy()

    async def save_meta(self, storage: Storage, meta: KeyMetadata,
                        drop_versions: Iterable[int] = ()) -> None:
        """The metadata and the deletion of ``drop_versions``' payloads, in one
        transaction (destroy: never metadata without its payloads deleted, or back)."""
        dropped = list(drop_versions)
        self._meta.drop(meta.key)  # if the commit fails, the next read goes to storage
        for number in dropped:
            self._data.drop((meta.key, number))
        await transaction(storage, [
            ("put", layout.meta_key(meta.key), layout.encode(meta.to_record())),
            *(("delete", layout.version_key(meta.key, n), None) for n in dropped),
        ])
        self._meta.put(meta.key, meta.copy())

    async def delete_meta(self, storage: Storage, path: str,
                          drop_versions: Iterable[int] = ()) -> None:
        """Forget the secret: its metadata and ``drop_versions``' payloads, one transaction."""
        dropped = list(drop_versions)
        self._meta.drop(path)
        for number in dropped:
            self._data.drop((path, number))
        await transaction(storage, [
            ("delete", layout.meta_key(path), None),
            *(("delete", layout.version_key(path, n), None) for n in dropped),
        ])
        self._meta.put(path, ABSENT)

    async def list_meta(self, storage: Storage, folder: str) -> list[str]:
        """Child names under a folder, from the key listing alone (no record is read)."""
        await self.ready(storage)
        return await storage.list(layout.meta_key(folder))

    # ---- version payloads --------------------------------------------------------------

    async def read_version(self, storage: Storage, path: str, version: int) -> Any:
        cached = self._data.get((path, version))
        if cached is None:
            raw = await storage.get(layout.version_key(path, version))
            if raw is None:
                raise InternalError(multierror("could not find version data"))
            cached = raw
            self._data.put((path, version), raw)
        return layout.decode(cached)

    async def save_version(self, storage: Storage, meta: KeyMetadata, version: int,
                           payload: bytes, pruned: range) -> None:
        """A new version, its metadata and the pruning of ``pruned`` in one durable
        transaction: a crash never leaves a version its metadata does not list."""
        path = meta.key
        stale = [(path, version), *((path, old) for old in pruned)]
        for entry in stale:
            self._data.drop(entry)
        self._meta.drop(path)  # if the commit fails, the next read goes to storage
        await transaction(storage, [
            ("put", layout.version_key(path, version), payload),
            ("put", layout.meta_key(path), layout.encode(meta.to_record())),
            *(("delete", layout.version_key(path, old), None) for old in pruned),
        ])
        self._data.put((path, version), payload)
        self._meta.put(path, meta.copy())
