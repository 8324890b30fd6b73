"""One suite, every physical backend (after Vault's sdk/physical ExerciseBackend)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from pyvault.physical.inmem import InmemBackend
from pyvault.physical.protocol import PhysicalBackend
from pyvault.physical.sqlite import SQLiteBackend

Factory = Callable[[Path], PhysicalBackend]
FACTORIES: dict[str, Factory] = {
    "inmem": lambda tmp: InmemBackend(),
    "sqlite": lambda tmp: SQLiteBackend(str(tmp / "store.db")),
}


@pytest.fixture(params=sorted(FACTORIES))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PhysicalBackend]:
    instance = FACTORIES[request.param](tmp_path)
    await instance.open()
    yield instance
    await instance.close()


async def test_get_missing_is_none(backend: PhysicalBackend) -> None:
    assert await backend.get("nope") is None


async def test_round_trip_binary_empty_and_overwrite(backend: PhysicalBackend) -> None:
    await backend.put("a", bytes(range(256)))
    assert await backend.get("a") == bytes(range(256))
    await backend.put("empty", b"")
    assert await backend.get("empty") == b""
    await backend.put("a", b"second")
    assert await backend.get("a") == b"second"


async def test_delete_and_delete_missing(backend: PhysicalBackend) -> None:
    await backend.put("k", b"v")
    await backend.delete("k")
    assert await backend.get("k") is None
    await backend.delete("k")  # not an error


async def test_list_one_level_sorted_with_folders(backend: PhysicalBackend) -> None:
    for key in ("b", "a/x", "a/y/z", "c", "c/d", "cz", "a%/q", "a_/q", "a b"):
        await backend.put(key, b"1")
    assert await backend.list("") == ["a b", "a%/", "a/", "a_/", "b", "c", "c/", "cz"]
    assert await backend.list("a/") == ["x", "y/"]
    assert await backend.list("a/y/") == ["z"]
    assert await backend.list("nope/") == []
    assert await backend.list("c/") == ["d"]


async def test_folder_disappears_with_its_last_child(backend: PhysicalBackend) -> None:
    await backend.put("f/one", b"1")
    await backend.put("f/two", b"2")
    await backend.delete("f/one")
    assert await backend.list("") == ["f/"]
    await backend.delete("f/two")
    assert await backend.list("") == []


async def test_unicode_keys(backend: PhysicalBackend) -> None:
    await backend.put("ü/ß", b"1")
    await backend.put("ü/\U0001f511", b"2")
    assert await backend.list("ü/") == ["ß", "\U0001f511"]


async def test_concurrent_writes_are_all_kept(backend: PhysicalBackend) -> None:
    await asyncio.gather(*(backend.put(f"k/{i:03d}", str(i).encode()) for i in range(200)))
    assert len(await backend.list("k/")) == 200
    assert await backend.get("k/150") == b"150"


async def test_sqlite_persists_across_reopen(tmp_path: Path) -> None:
    first = SQLiteBackend(str(tmp_path / "p.db"))
    await first.open()
    await first.put("kept", b"yes")
    await first.close()
    second = SQLiteBackend(str(tmp_path / "p.db"))
    await second.open()
    assert await second.get("kept") == b"yes"
    await second.close()


async def test_sqlite_group_commit_batches_concurrent_writes(tmp_path: Path) -> None:
    store = SQLiteBackend(str(tmp_path / "g.db"))
    await store.open()
    await asyncio.gather(*(store.put(f"g/{i}", b"x") for i in range(100)))
    assert store.commit_count < 20
    await store.close()


async def test_sqlite_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    from pyvault.physical.errors import PhysicalError

    store = SQLiteBackend(str(tmp_path / "missing" / "x.db"))
    with pytest.raises(PhysicalError, match="does not exist"):
        await store.open()


