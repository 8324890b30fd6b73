"""KV v1: a pass-through store whose reads carry the ttl as a lease hint."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.secrets.kv.backend import kv_backend
from pyvault.crypto.random import SystemRandom
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.system_view import BackendConfig
from tests.unit.kv.support import DEFAULT_TTL, KV, SystemView, body


@pytest.fixture
def kv() -> KV:
    return KV(version="1")


async def test_any_json_value_round_trips_exactly(kv: KV) -> None:
    secret = {"s": "x", "i": 1, "f": 1.5, "n": None, "t": True, "big": 2**70,
              "nested": {"list": [1, "two", None, {"deep": False}]}}
    assert await kv.write("foo", secret) is None
    read = await kv.read("foo")
    assert read is not None
    assert read.data == secret
    assert list(read.data) == sorted(secret)  # Go marshals maps with sorted keys


async def test_read_has_the_default_ttl_as_lease_duration_and_no_lease_id(kv: KV) -> None:
    await kv.write("foo", {"a": "b"})
    read = await kv.read("foo")
    assert read is not None and read.secret is not None
    assert (read.secret.lease_id, read.secret.lease_duration, read.secret.renewable) == (
        "", DEFAULT_TTL, False)


@pytest.mark.parametrize(("ttl", "seconds"), [
    ("1h", 3600), (90, 90), ("30", 30), ("1d", 86400), ("1h30m", 5400), ("300ms", 0),
    ("-5s", -5), (None, 0), ("", 0), ("10000h", 36_000_000),  # a hint: never capped
    ("garbage", DEFAULT_TTL), ("1.5", DEFAULT_TTL), (12.7, DEFAULT_TTL), (True, DEFAULT_TTL),
    ([1], DEFAULT_TTL), ("2.5d", DEFAULT_TTL),
])
async def test_ttl_field_sets_lease_duration_as_vault_parses_it(
    kv: KV, ttl: Any, seconds: int
) -> None:
    await kv.write("t", {"a": "b", "ttl": ttl})
    read = await kv.read("t")
    assert read is not None and read.secret is not None
    assert read.secret.lease_duration == seconds
    assert read.data == {"a": "b", "ttl": ttl}


async def test_lease_is_read_when_there_is_no_ttl_and_ttl_wins_over_it(kv: KV) -> None:
    await kv.write("a", {"lease": 90})
    await kv.write("b", {"ttl": "5s", "lease": "7s"})
    await kv.write("c", {"ttl": "bad", "lease": "7s"})
    leases = []
    for path in ("a", "b", "c"):
        read = await kv.read(path)
        assert read is not None and read.secret is not None
        leases.append(read.secret.lease_duration)
    assert leases == [90, 5, DEFAULT_TTL]


async def test_missing_entry_reads_as_none(kv: KV) -> None:
    assert await kv.read("nope") is None
    assert await kv.read("") is None


async def test_write_without_data_is_refused(kv: KV) -> None:
    with pytest.raises(InvalidRequest, match=r"^missing data fields$"):
        await kv.write("foo", {})


async def test_list_shows_one_level_and_delete_removes(kv: KV) -> None:
    await kv.write("dir/a", {"x": 1})
    await kv.write("dir/sub/b", {"x": 1})
    await kv.write("top", {"x": 1})
    assert body(await kv.call(Operation.LIST, "")) == {"keys": ["dir/", "top"]}
    assert body(await kv.call(Operation.LIST, "dir")) == {"keys": ["a", "sub/"]}
    assert body(await kv.call(Operation.LIST, "dir/")) == {"keys": ["a", "sub/"]}
    assert await kv.call(Operation.DELETE, "dir/a") is None
    assert await kv.call(Operation.DELETE, "dir/a") is None  # idempotent
    assert body(await kv.call(Operation.LIST, "dir/")) == {"keys": ["sub/"]}
    assert await kv.call(Operation.LIST, "nothing/") is None  # empty list: 404


async def test_existence_check_decides_create_or_update(kv: KV) -> None:
    assert await kv.backend.exists(kv.request(Operation.UPDATE, "foo")) is False
    await kv.write("foo", {"a": 1})
    assert await kv.backend.exists(kv.request(Operation.UPDATE, "foo")) is True


async def test_v2_folder_is_reserved(kv: KV) -> None:
    with pytest.raises(InvalidRequest, match="reserved"):
        await kv.write(".kv2/meta/x", {"a": 1})
    with pytest.raises(InvalidRequest, match="reserved"):
        await kv.call(Operation.DELETE, ".kv2/upgrade")


async def test_relative_paths_are_refused(kv: KV) -> None:
    with pytest.raises(InvalidRequest, match=r"^relative paths not supported$"):
        await kv.read("a/../b")


async def test_reads_come_from_memory_until_a_write(kv: KV) -> None:
    await kv.write("foo", {"a": 1})
    kv.physical.gets.clear()
    for _ in range(3):
        assert body(await kv.read("foo")) == {"a": 1}
    assert kv.physical.gets == []
    await kv.write("foo", {"a": 2})
    assert body(await kv.read("foo")) == {"a": 2}
    await kv.call(Operation.DELETE, "foo")
    assert await kv.read("foo") is None


async def test_read_returns_a_fresh_dict_each_time(kv: KV) -> None:
    await kv.write("foo", {"a": {"b": 1}})
    first = body(await kv.read("foo"))
    first["a"]["b"] = 99
    assert body(await kv.read("foo")) == {"a": {"b": 1}}


async def test_unknown_query_parameters_are_reported_on_reads(kv: KV) -> None:
    await kv.write("foo", {"a": 1})
    read = await kv.read("foo", bogus="1")
    assert read is not None
    assert read.warnings == ["Endpoint ignored these unrecognized parameters: [bogus]"]


async def test_unknown_version_option_is_refused_like_vault() -> None:
    with pytest.raises(InvalidRequest, match='nil backend of type "kv"'):
        KV(version="3")


@pytest.mark.parametrize("options", [{}, {"version": ""}, {"version": "1"}])
async def test_factory_picks_v1_without_version_2(options: dict[str, str]) -> None:
    kv = KV(version="1")
    kv.backend = kv_backend(BackendConfig(system=SystemView(), clock=kv.clock,
                                          random=SystemRandom(), mount_type="kv",
                                          options=options))
    await kv.write("foo", {"a": 1})
    assert body(await kv.read("foo")) == {"a": 1}
