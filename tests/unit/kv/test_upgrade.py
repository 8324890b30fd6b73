"""KV v1 → v2: the data is kept, each entry becoming version 1 of a secret."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pyvault.builtin.secrets.kv import layout
from pyvault.builtin.secrets.kv.upgrade import upgrade_done, upgrade_v1_to_v2
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV, body

SECRETS: dict[str, dict[str, Any]] = {
    "foo": {"a": 1, "ttl": "1h"},
    "dir/x": {"n": 1.5, "big": 2**70},
    "dir/sub/y": {"nested": {"l": [1, None]}},
}


@pytest.fixture
async def v1() -> KV:
    kv = KV(version="1")
    for path, secret in SECRETS.items():
        await kv.write(path, secret)
    return kv


async def test_tune_time_upgrade_moves_every_entry(v1: KV) -> None:
    assert await upgrade_v1_to_v2(v1.storage, v1.clock) == 3
    assert await upgrade_done(v1.storage)
    assert [k for k in v1.raw_keys() if not layout.is_v2_key(k)] == []
    v1.backend = v1.new_backend("2")
    for path, secret in SECRETS.items():
        read = await v1.get(path)
        assert read.data is not None
        assert read.data["data"] == secret
        assert read.data["metadata"]["version"] == 1
    meta = await v1.meta("dir/x")
    assert (meta["current_version"], meta["oldest_version"]) == (1, 1)  # as Vault shows
    assert body(await v1.call(Operation.LIST, "metadata/")) == {"keys": ["dir/", "foo"]}
    assert (await v1.put("foo", {"b": 2}))["version"] == 2


async def test_payload_bytes_move_unchanged(v1: KV) -> None:
    before = await v1.storage.get("dir/x")
    await upgrade_v1_to_v2(v1.storage, v1.clock)
    assert await v1.storage.get(layout.version_key("dir/x", 1)) == before


async def test_a_v2_backend_upgrades_lazily_on_first_use(v1: KV) -> None:
    v1.backend = v1.new_backend("2")
    assert await v1.value("foo") == SECRETS["foo"]
    assert await upgrade_done(v1.storage)


async def test_a_second_run_is_a_no_op(v1: KV) -> None:
    await upgrade_v1_to_v2(v1.storage, v1.clock)
    v1.backend = v1.new_backend("2")
    await v1.put("foo", {"b": 2})
    assert await upgrade_v1_to_v2(v1.storage, v1.clock) == 0
    assert (await v1.meta("foo"))["current_version"] == 2


async def test_an_interrupted_upgrade_is_finished_by_the_next_run(v1: KV) -> None:
    # As if the process died after migrating "foo" but before the done marker.
    await v1.storage.put(layout.UPGRADE_KEY, layout.encode({"started": 1, "done": False}))
    await v1.storage.put(layout.version_key("foo", 1), await v1.storage.get("foo") or b"")
    v1.backend = v1.new_backend("2")
    for path, secret in SECRETS.items():
        assert await v1.value(path) == secret
    assert (await v1.meta("foo"))["current_version"] == 1


async def test_empty_mount_just_gets_the_marker() -> None:
    kv = KV()
    assert await kv.read("data/foo") is None
    assert kv.raw_keys() == [".kv2/upgrade"]


async def test_concurrent_first_requests_share_one_upgrade(v1: KV) -> None:
    v1.backend = v1.new_backend("2")
    reads = await asyncio.gather(*(v1.value(path) for path in SECRETS))
    assert reads == list(SECRETS.values())
    assert (await v1.meta("foo"))["current_version"] == 1
