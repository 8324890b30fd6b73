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

from pyvault.expiration.lease import LeaseEntry
from pyvault.logical.storage import Storage, collect_keys

log = logging.getLogger("pyvault.expiration")

LEASE_PREFIX = "id/"
INDEX_PREFIX = "token/"


def index_key(index_hash: str, lease_id: str) -> str:
    return f"{INDEX_PREFIX}{index_hash}/{hashlib.sha256(lease_id.encode()).hexdigest()}"


def _safe(path: str) -> bool:
    return ".." not in path.split("/")


class LeaseRecords:
    __slots__ = ("_storage",)

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, lease_id: str) -> LeaseEntry | None:
        if not lease_id or lease_id.endswith("/") or not _safe(lease_id):
            return None
        return await self._read(LEASE_PREFIX + lease_id)

    async def put(self, lease: LeaseEntry) -> None:
        await self._storage.put(LEASE_PREFIX + lease.lease_id, lease.serialize())

    async def delete(self, lease_id: str, index_hash: str = "") -> None:
        await self._storage.delete(LEASE_PREFIX + lease_id)
        if index_hash:
            await self._storage.delete(index_key(index_hash, lease_id))

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
        if raw is None:
            return None
        try:
            return LeaseEntry.deserialize(raw)
        except (ValueError, TypeError, KeyError):
            log.error("expiration: unreadable lease record at %s", key)
            return None
