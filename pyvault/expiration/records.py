"""The durable side of leases: records under ``id/``, the by-token index under ``token/``.

Storage layout (a view the core gives the manager, ``sys/expire/`` in the barrier):

- ``id/<lease id>``: the :class:`LeaseEntry` (lease ids contain slashes, so listing
  ``id/<prefix>`` is what ``sys/leases/lookup/<prefix>`` shows);
- ``token/<token hash>/<sha256 of lease id>``: the secret leases a token owns, so
  revoking a token revokes what it obtained.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict

from pyvault.expiration.lease import LeaseEntry
from pyvault.logical.storage import Storage, collect_keys

log = logging.getLogger("pyvault.expiration")

LEASE_PREFIX = "id/"
INDEX_PREFIX = "token/"
CACHE_ENTRIES = 4096


def index_key(index_hash: str, lease_id: str) -> str:
    return f"{INDEX_PREFIX}{index_hash}/{hashlib.sha256(lease_id.encode()).hexdigest()}"


def _safe(path: str) -> bool:
    return ".." not in path.split("/")


class LeaseRecords:
    """Lease records in storage, with an exact LRU of recent ones in memory.

    Exact because this process is the only writer of ``sys/expire/`` and every put
    and delete here updates or drops the cached entry (dropped before the storage
    call, so a failed write leaves no stale copy). It holds the plaintext record and
    its decoded form: ``get`` hands out a fresh object, ``peek`` the shared one.
    """

    __slots__ = ("_cache", "_size", "_storage")

    def __init__(self, storage: Storage, cache_entries: int = CACHE_ENTRIES) -> None:
        self._storage = storage
        self._size = cache_entries
        self._cache: OrderedDict[str, tuple[bytes, LeaseEntry]] = OrderedDict()

    def clear_cache(self) -> None:
        """Forget every cached record (on seal, or before reloading after unseal)."""
        self._cache.clear()

    async def get(self, lease_id: str) -> LeaseEntry | None:
        """A private copy the caller may change and ``put`` back."""
        found = await self._cached(lease_id)
        return None if found is None else LeaseEntry.deserialize(found[0])

    async def peek(self, lease_id: str) -> LeaseEntry | None:
        """The cached record itself, for readers only: callers must not change it."""
        found = await self._cached(lease_id)
        return None if found is None else found[1]

    async def put(self, lease: LeaseEntry) -> None:
        raw = lease.serialize()
        self._cache.pop(lease.lease_id, None)
        await self._storage.put(LEASE_PREFIX + lease.lease_id, raw)
        self._remember(lease.lease_id, raw, LeaseEntry.deserialize(raw))

    async def delete(self, lease_id: str, index_hash: str = "") -> None:
        self._cache.pop(lease_id, None)
        await self._storage.delete(LEASE_PREFIX + lease_id)
        if index_hash:
            await self._storage.delete(index_key(index_hash, lease_id))

    async def _cached(self, lease_id: str) -> tuple[bytes, LeaseEntry] | None:
        if not lease_id or lease_id.endswith("/") or not _safe(lease_id):
            return None
        found = self._cache.get(lease_id)
        if found is not None:
            self._cache.move_to_end(lease_id)
            return found
        raw = await self._storage.get(LEASE_PREFIX + lease_id)
        lease = None if raw is None else self._decode(LEASE_PREFIX + lease_id, raw)
        if raw is None or lease is None:
            return None
        self._remember(lease_id, raw, lease)
        return raw, lease

    def _remember(self, lease_id: str, raw: bytes, lease: LeaseEntry) -> None:
        self._cache[lease_id] = (raw, lease)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)

    async def add_index(self, index_hash: str, lease_id: str) -> None:
        await self._storage.put(index_key(index_hash, lease_id), lease_id.encode())

    async def children(self, prefix: str) -> list[str]:
        """One level of lease ids below ``prefix`` (folders end with ``/``)."""
        return await self._storage.list(LEASE_PREFIX + prefix) if _safe(prefix) else []

    async def ids_under(self, prefix: str) -> list[str]:
        """Every lease id below ``prefix`` ("" = all of them)."""
        if not _safe(prefix):
            return []
        keys = await collect_keys(self._storage, LEASE_PREFIX + prefix)
        return [key[len(LEASE_PREFIX) :] for key in keys]

    async def all(self) -> list[LeaseEntry]:
        leases = []
        for key in await collect_keys(self._storage, LEASE_PREFIX):
            lease = await self._read(key)
            if lease is not None:
                leases.append(lease)
        return leases

    async def owned_by(self, token_hash: str) -> list[str]:
        """Lease ids in a token's index; the index entries are removed as read."""
        prefix = f"{INDEX_PREFIX}{token_hash}/"
        lease_ids = []
        for child in await self._storage.list(prefix):
            raw = await self._storage.get(prefix + child)
            if raw is not None:
                lease_ids.append(raw.decode())
            await self._storage.delete(prefix + child)
        return lease_ids

    async def drop_dangling_index(self) -> int:
        """Delete index entries whose lease is gone; returns how many."""
        dropped = 0
        for key in await collect_keys(self._storage, INDEX_PREFIX):
            raw = await self._storage.get(key)
            if raw is None or await self.get(raw.decode()) is None:
                await self._storage.delete(key)
                dropped += 1
        return dropped

    async def _read(self, key: str) -> LeaseEntry | None:
        raw = await self._storage.get(key)
        return None if raw is None else self._decode(key, raw)

    @staticmethod
    def _decode(key: str, raw: bytes) -> LeaseEntry | None:
        try:
            return LeaseEntry.deserialize(raw)
        except (ValueError, TypeError, KeyError):
            log.error("expiration: unreadable lease record at %s", key)
            return None
