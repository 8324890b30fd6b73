"""PostgreSQL backend pieces that need no server: config, key layout, list bounds,
and the per-key write order."""

from __future__ import annotations

import asyncio

import pytest

from pyvault.config.parse import parse_config
from pyvault.physical import create_backend
from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql import LockTiming, PostgreSQLBackend
from pyvault.physical.postgresql_order import WriteOrder
from pyvault.physical.postgresql_sql import connection_uri, split_key, successor

CONFIG = """
storage "postgresql" {
  connection_url = "postgres://vault@db.internal:5432/vault?sslmode=disable"
  table          = "kv"
  ha_enabled     = true
  ha_table       = "locks"
  max_parallel   = 16
  max_idle_connections = 4
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
api_addr     = "http://10.0.0.1:8200"
cluster_addr = "https://10.0.0.1:8201"
"""


def test_a_vault_storage_block_configures_the_backend() -> None:
    config = parse_config(CONFIG, "node.hcl")
    assert config.storage is not None
    assert config.api_addr == "http://10.0.0.1:8200"
    assert config.cluster_addr == "https://10.0.0.1:8201"
    backend = create_backend(config.storage.type, config.storage.options)
    assert isinstance(backend, PostgreSQLBackend)
    assert backend.ha_enabled
    assert (backend.table, backend.ha_table) == ("kv", "locks")
    assert backend.lock("core/lock", "v").identity  # no connection needed to make one


def test_defaults_are_vaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VAULT_PG_CONNECTION_URL", raising=False)
    backend = PostgreSQLBackend.from_options({"connection_url": "postgres://x/y"})
    assert (backend.table, backend.ha_table, backend.ha_enabled) == (
        "vault_kv_store", "vault_ha_locks", False)
    assert (backend.lock_timing.ttl, backend.lock_timing.renew_interval,
            backend.lock_timing.retry_interval) == (15.0, 5.0, 1.0)
    with pytest.raises(PhysicalError, match="HA is not enabled"):
        backend.lock("core/lock", "v")


def test_the_environment_url_wins_as_in_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_PG_CONNECTION_URL", "postgres://env/db")
    backend = PostgreSQLBackend.from_options({})
    assert backend._url == "postgres://env/db"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "missing connection_url"),
        ({"connection_url": "postgres://x", "max_parallel": "many"}, "max_parallel"),
        ({"connection_url": "postgres://x", "max_parallel": "0"}, "at least 1"),
        ({"connection_url": "postgres://x", "max_idle_connections": "x"}, "max_idle"),
        ({"connection_url": "postgres://x", "ha_enabled": "yes"}, "ha_enabled"),
        ({"connection_url": "postgres://x", "table": ""}, "must not be empty"),
    ],
)
def test_bad_options_are_refused(
    options: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_PG_CONNECTION_URL", raising=False)
    with pytest.raises(PhysicalError, match=message):
        create_backend("postgresql", options)


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("c", ("", "/", "c")),
        ("a/c", ("/", "/a/", "c")),
        ("a/b/c", ("/a/", "/a/b/", "c")),
        ("a/b/c/d", ("/a/b/", "/a/b/c/", "d")),
        ("a/", ("/", "/a/", "")),
        ("/a", ("/", "//", "a")),
        ("a//b", ("/a/", "/a//", "b")),
        ("", ("", "/", "")),
    ],
)
def test_keys_split_as_vault_stores_them(key: str, parts: tuple[str, str, str]) -> None:
    assert split_key(key) == parts
    _, path, name = parts
    assert path[1:] + name == key  # the split loses nothing


def test_successor_bounds_every_string_with_the_prefix() -> None:
    assert successor("/a") == "/b"
    assert successor("/") == "0"
    assert successor("a\U0010ffff") == "b"
    assert successor("\ud7ff") == "\ue000"
    assert successor("") is None
    assert successor("\U0010ffff") is None


async def test_writes_to_one_key_run_in_call_order_and_others_in_parallel() -> None:
    order = WriteOrder()
    log: list[str] = []
    release = asyncio.Event()

    async def write(name: str, keys: tuple[str, ...], wait: bool = False) -> None:
        async with order.turn(keys):
            log.append(f"start {name}")
            if wait:
                await release.wait()
            log.append(f"end {name}")

    first = asyncio.create_task(write("1", ("k",), wait=True))
    second = asyncio.create_task(write("2", ("k", "j")))
    other = asyncio.create_task(write("3", ("z",)))
    await other
    assert log == ["start 1", "start 3", "end 3"]  # "2" waits for "1"; "3" does not
    release.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end 1", "start 2", "end 2"]


async def test_a_cancelled_write_keeps_the_queue_in_order() -> None:
    order = WriteOrder()
    log: list[str] = []
    release = asyncio.Event()

    async def write(name: str, wait: bool = False) -> None:
        async with order.turn(("k",)):
            log.append(f"start {name}")
            if wait:
                await release.wait()
            log.append(f"end {name}")

    first = asyncio.create_task(write("1", wait=True))
    second = asyncio.create_task(write("2"))
    third = asyncio.create_task(write("3"))
    await asyncio.sleep(0)
    second.cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert log == ["start 1"]  # "3" still waits for "1", though "2" is gone
    release.set()
    await asyncio.gather(first, third)
    assert log == ["start 1", "end 1", "start 3", "end 3"]


def test_libpq_keyword_connection_strings_become_uris() -> None:
    assert connection_uri("postgres://u:p@h:5432/db?sslmode=disable") == (
        "postgres://u:p@h:5432/db?sslmode=disable")
    assert connection_uri("host=db port=5432 user=vault dbname=vault sslmode=disable") == (
        "postgresql://?host=db&port=5432&user=vault&dbname=vault&sslmode=disable")
    assert connection_uri(r"host=db password='a b\'c://' dbname = x") == (
        "postgresql://?host=db&password=a+b%27c%3A%2F%2F&dbname=x")
    with pytest.raises(PhysicalError, match="neither a postgres:// URI nor key=value"):
        PostgreSQLBackend("not a dsn")


@pytest.mark.parametrize("timing", [(2.0, 2.0, 0.1), (2.0, 0.0, 0.1), (2.0, 0.5, 0.0)])
def test_lock_timing_must_leave_room_to_renew(timing: tuple[float, float, float]) -> None:
    with pytest.raises(PhysicalError, match="renew_interval"):
        LockTiming(*timing)
