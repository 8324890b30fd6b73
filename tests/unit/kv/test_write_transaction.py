"""A KV v2 write is one storage transaction: version, metadata and pruning together."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pyvault.logical.operation import Operation
from pyvault.logical.storage import collect_keys
from pyvault.physical.protocol import TxnOp
from tests.unit.kv.support import KV, PREFIX, CountingStorage


class RecordingStorage(CountingStorage):
    """Records every transaction and every lone put/delete; can fail transactions."""

    def __init__(self) -> None:
        super().__init__()
        self.transactions: list[list[TxnOp]] = []
        self.single_writes: list[str] = []
        self.fail = False

    async def put(self, key: str, value: bytes) -> None:
        self.single_writes.append(key)
        await super().put(key, value)

    async def delete(self, key: str) -> None:
        self.single_writes.append(key)
        await super().delete(key)

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        if self.fail:
            raise OSError("disk full")
        self.transactions.append(list(ops))
        for op, key, value in ops:
            if op == "put":
                assert value is not None
                await super().put(key, value)
            else:
                await super().delete(key)


async def test_each_write_is_one_transaction_with_version_and_metadata() -> None:
    kv = KV(physical=RecordingStorage())
    store = kv.physical
    assert isinstance(store, RecordingStorage)
    await kv.write("config", {"max_versions": 2})
    await kv.put("app", {"n": 0})  # the mount's upgrade marker is written on first use
    store.transactions.clear()
    store.single_writes.clear()
    for n in range(1, 4):
        await kv.put("app", {"n": n})
    assert store.single_writes == []
    assert len(store.transactions) == 3
    ops = [(op, key.removeprefix(PREFIX)) for op, key, _ in store.transactions[-1]]
    version_key, meta_key = ops[0][1], ops[1][1]
    assert ops[0][0] == ops[1][0] == "put"
    assert version_key.endswith("/app/4") and meta_key.endswith("/app")
    # Version 2 fell out of the two-version window: deleted in the same transaction.
    assert ops[2:] == [("delete", version_key[:-1] + "2")]
    assert await kv.value("app") == {"n": 3}
    assert (await kv.meta("app"))["oldest_version"] == 3


async def test_failed_transaction_leaves_the_secret_as_it_was() -> None:
    kv = KV(physical=RecordingStorage())
    store = kv.physical
    assert isinstance(store, RecordingStorage)
    await kv.put("app", {"n": 1})
    store.fail = True
    with pytest.raises(OSError, match="disk full"):
        await kv.put("app", {"n": 2})
    store.fail = False
    assert await kv.value("app") == {"n": 1}
    assert (await kv.meta("app"))["current_version"] == 1
    assert (await kv.put("app", {"n": 3}))["version"] == 2


async def test_destroy_updates_metadata_and_deletes_payloads_in_one_transaction() -> None:
    kv = KV(physical=RecordingStorage())
    store = kv.physical
    assert isinstance(store, RecordingStorage)
    for n in range(3):
        await kv.put("app", {"n": n})
    store.transactions.clear()
    store.single_writes.clear()
    await kv.write("destroy/app", {"versions": [1, 2]})
    assert store.single_writes == []
    assert len(store.transactions) == 1
    ops = [(op, key.removeprefix(PREFIX)) for op, key, _ in store.transactions[0]]
    assert ops[0][0] == "put" and ops[0][1].endswith("/app")
    assert sorted(key[-2:] for op, key in ops[1:] if op == "delete") == ["/1", "/2"]
    assert (await kv.meta("app"))["versions"]["1"]["destroyed"] is True
    assert await kv.value("app") == {"n": 2}


async def test_metadata_delete_removes_everything_in_one_transaction() -> None:
    kv = KV(physical=RecordingStorage())
    store = kv.physical
    assert isinstance(store, RecordingStorage)
    for n in range(2):
        await kv.put("app", {"n": n})
    store.transactions.clear()
    store.single_writes.clear()
    await kv.call(Operation.DELETE, "metadata/app")
    assert store.single_writes == []
    assert len(store.transactions) == 1
    assert [op for op, _, _ in store.transactions[0]] == ["delete"] * 3
    assert await kv.read("data/app") is None
    assert [key for key in await collect_keys(store, PREFIX) if "app" in key] == []
