"""The lease record cache is exact: reads after any write or delete see storage's truth."""

from __future__ import annotations

import pytest

from pyvault.expiration.lease import LeaseEntry, LeaseKind
from pyvault.expiration.records import LEASE_PREFIX, LeaseRecords
from pyvault.physical.inmem import InmemBackend


class CountingStore(InmemBackend):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.fail_puts = False

    async def get(self, key: str) -> bytes | None:
        self.gets += 1
        return await super().get(key)

    async def put(self, key: str, value: bytes) -> None:
        if self.fail_puts:
            raise OSError("disk full")
        await super().put(key, value)


def lease(ttl: int = 60) -> LeaseEntry:
    return LeaseEntry(lease_id="auth/token/create/habc", path="auth/token/create",
                      kind=LeaseKind.AUTH, issue_time=1000.0, expire_time=1000.0 + ttl,
                      ttl=ttl, token_hash="abc")


async def test_repeated_reads_hit_storage_once() -> None:
    store = CountingStore()
    await store.put(LEASE_PREFIX + "auth/token/create/habc", lease().serialize())
    records = LeaseRecords(store)
    for _ in range(5):
        found = await records.peek("auth/token/create/habc")
        assert found is not None and found.ttl == 60
    assert store.gets == 1


async def test_get_hands_out_a_private_copy() -> None:
    records = LeaseRecords(CountingStore())
    await records.put(lease())
    mine = await records.get("auth/token/create/habc")
    assert mine is not None
    mine.ttl = 5
    again = await records.peek("auth/token/create/habc")
    assert again is not None and again.ttl == 60


async def test_put_and_delete_replace_what_is_cached() -> None:
    records = LeaseRecords(CountingStore())
    original = lease()
    await records.put(original)
    original.ttl = 999  # the caller's object is not the cache's
    assert (await records.peek(original.lease_id)).ttl == 60  # type: ignore[union-attr]
    await records.put(lease(ttl=120))
    assert (await records.peek(original.lease_id)).ttl == 120  # type: ignore[union-attr]
    await records.delete(original.lease_id)
    assert await records.peek(original.lease_id) is None
    assert await records.get(original.lease_id) is None


async def test_failed_put_leaves_no_stale_entry() -> None:
    store = CountingStore()
    records = LeaseRecords(store)
    await records.put(lease())
    store.fail_puts = True
    with pytest.raises(OSError):
        await records.put(lease(ttl=120))
    found = await records.peek("auth/token/create/habc")
    assert found is not None and found.ttl == 60  # what storage still holds


async def test_cache_is_bounded() -> None:
    store = CountingStore()
    records = LeaseRecords(store, cache_entries=2)
    for name in ("a", "b", "c"):
        entry = lease()
        entry.lease_id = f"auth/token/create/h{name}"
        await records.put(entry)
    store.gets = 0
    assert await records.peek("auth/token/create/ha") is not None  # evicted: read again
    assert store.gets == 1
