"""One suite, every physical backend (after Vault's sdk/physical/testing.go ExerciseBackend).

Each test runs once per entry of ``IMPLEMENTATIONS``; a new backend (postgresql)
joins by adding one entry, and must pass everything here unchanged.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyvault.physical import create_backend
from pyvault.physical.protocol import PhysicalBackend


@dataclass(frozen=True)
class Implementation:
    """How to build one backend over a test's tmp_path, and whether it persists."""

    make: Callable[[Path], PhysicalBackend]
    persistent: bool


IMPLEMENTATIONS: dict[str, Implementation] = {
    "inmem": Implementation(lambda tmp: create_backend("inmem", {}), persistent=False),
    "sqlite": Implementation(
        lambda tmp: create_backend("sqlite", {"path": str(tmp / "vault.db")}), persistent=True
    ),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def implementation(request: pytest.FixtureRequest) -> Implementation:
    return IMPLEMENTATIONS[request.param]


@pytest.fixture
async def backend(implementation: Implementation, tmp_path: Path) -> AsyncIterator[PhysicalBackend]:
    store = implementation.make(tmp_path)
    await store.open()
    yield store
    await store.close()


async def put_all(store: PhysicalBackend, *keys: str) -> None:
    for key in keys:
        await store.put(key, key.encode())


def reference_list(keys: set[str], prefix: str) -> list[str]:
    """The list semantics spelled out the slow, obvious way."""
    children = set()
    for key in keys:
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            slash = rest.find("/")
            children.add(rest if slash < 0 else rest[: slash + 1])
    return sorted(children)


# --- get / put / delete -------------------------------------------------------------


async def test_get_missing_is_none(backend: PhysicalBackend) -> None:
    assert await backend.get("nope") is None
    assert await backend.get("") is None


@pytest.mark.parametrize(
    "value",
    [b"", b"\x00", bytes(range(256)), b"\xff" * 70_000, "ünïcode".encode()],
    ids=["empty", "nul", "all-bytes", "70k", "utf8"],
)
async def test_put_get_round_trip(backend: PhysicalBackend, value: bytes) -> None:
    await backend.put("k", value)
    got = await backend.get("k")
    assert got == value
    assert type(got) is bytes


async def test_stored_value_is_a_copy(backend: PhysicalBackend) -> None:
    mutable = bytearray(b"before")
    await backend.put("k", mutable)  # type: ignore[arg-type]  # callers may pass bytearray
    mutable[:] = b"after!"
    assert await backend.get("k") == b"before"


async def test_overwrite_replaces_value(backend: PhysicalBackend) -> None:
    await backend.put("k", b"first")
    await backend.put("k", b"second, and longer")
    assert await backend.get("k") == b"second, and longer"
    assert await backend.list("") == ["k"]


async def test_delete(backend: PhysicalBackend) -> None:
    await backend.put("k", b"v")
    await backend.put("k2", b"v2")
    await backend.delete("k")
    assert await backend.get("k") is None
    assert await backend.get("k2") == b"v2"
    assert await backend.list("") == ["k2"]


async def test_delete_missing_is_not_an_error(backend: PhysicalBackend) -> None:
    await backend.delete("never/was")
    await backend.delete("")


async def test_keys_are_not_normalised(backend: PhysicalBackend) -> None:
    await put_all(backend, "a", "a/", "/a", "a//b", "A")
    for key in ("a", "a/", "/a", "a//b", "A"):
        assert await backend.get(key) == key.encode()
    assert await backend.get("a/b") is None


# --- list ---------------------------------------------------------------------------


async def test_list_empty_store(backend: PhysicalBackend) -> None:
    assert await backend.list("") == []
    assert await backend.list("x/") == []


async def test_list_vault_exercise(backend: PhysicalBackend) -> None:
    """The sequence of ExerciseBackend and ExerciseBackend_ListPrefix."""
    await backend.put("foo", b"test")
    assert await backend.list("") == ["foo"]
    await backend.put("foo/bar", b"baz")
    assert await backend.list("") == ["foo", "foo/"]
    assert await backend.list("foo/") == ["bar"]
    await backend.put("foo/bar/baz", b"x")
    assert await backend.list("foo/") == ["bar", "bar/"]
    assert await backend.list("foo/bar/") == ["baz"]
    await backend.delete("foo")
    assert await backend.list("") == ["foo/"]
    await backend.put("foo/zip", b"z")
    assert await backend.list("foo/") == ["bar", "bar/", "zip"]


async def test_list_one_level_sorted_without_grandchildren(backend: PhysicalBackend) -> None:
    await put_all(backend, "b", "a/x", "a/y/z", "a/y/z/deep/er", "c", "c/d", "cz", "a b")
    assert await backend.list("") == ["a b", "a/", "b", "c", "c/", "cz"]
    assert await backend.list("a/") == ["x", "y/"]
    assert await backend.list("a/y/") == ["z", "z/"]
    assert await backend.list("a/y/z/") == ["deep/"]
    assert await backend.list("c/") == ["d"]
    assert await backend.list("nope/") == []


async def test_list_folder_shown_once_however_many_descendants(backend: PhysicalBackend) -> None:
    await put_all(backend, *(f"f/{i}/{j}" for i in range(3) for j in range(5)))
    assert await backend.list("") == ["f/"]
    assert await backend.list("f/") == ["0/", "1/", "2/"]


async def test_list_prefix_is_a_string_prefix(backend: PhysicalBackend) -> None:
    """Like Vault: the prefix need not end in "/", nor match a whole segment."""
    await put_all(backend, "foo", "foobar", "foo/bar", "fox")
    assert await backend.list("fo") == ["o", "o/", "obar", "x"]
    assert await backend.list("foo/b") == ["ar"]


async def test_list_sorts_by_code_point(backend: PhysicalBackend) -> None:
    """Children sort like Go's sort.Strings: by bytes of UTF-8, i.e. by code point."""
    names = ["b", "B", "a-", "a.", "a0", "a/x", "é", "z", "\u4e2d", "\U0001f511", "~"]
    await put_all(backend, *(f"p/{name}" for name in names))
    listed = await backend.list("p/")
    assert listed == sorted(listed)
    assert listed == ["B", "a-", "a.", "a/", "a0", "b", "z", "~", "é", "\u4e2d", "\U0001f511"]


async def test_list_treats_like_wildcards_literally(backend: PhysicalBackend) -> None:
    """A LIKE-based query would read "_" and "%" as wildcards; these must not."""
    await put_all(backend, "a_/1", "ab/2", "a%/3", "a%z/4", "axyz/5", "a\\/6", "a\\x/7")
    assert await backend.list("a_") == ["/"]
    assert await backend.list("a_/") == ["1"]
    assert await backend.list("a%") == ["/", "z/"]
    assert await backend.list("a\\") == ["/", "x/"]
    assert await backend.list("") == ["a%/", "a%z/", "a\\/", "a\\x/", "a_/", "ab/", "axyz/"]


async def test_list_special_and_unicode_keys(backend: PhysicalBackend) -> None:
    keys = {
        "sp ace/in name",
        "per%cent/x",
        "under_score/y",
        "ü/ß",
        "ü/\U0001f511",
        "\U0010ffff/max",
        "\U0010ffff\U0010ffff",
        'q\'uote/"dq"',
        "tab\there",
    }
    for key in keys:
        await backend.put(key, key.encode())
    for key in keys:
        assert await backend.get(key) == key.encode()
    for prefix in ("", "ü/", "ü", "\U0010ffff", "\U0010ffff/", "per%", "under_", "q'uote/"):
        assert await backend.list(prefix) == reference_list(keys, prefix), prefix


async def test_folder_disappears_with_its_last_child(backend: PhysicalBackend) -> None:
    await put_all(backend, "f/one", "f/two", "f/sub/three", "g")
    await backend.delete("f/one")
    assert await backend.list("") == ["f/", "g"]
    await backend.delete("f/two")
    assert await backend.list("") == ["f/", "g"]
    await backend.delete("f/sub/three")
    assert await backend.list("") == ["g"]
    assert await backend.list("f/") == []


async def test_list_matches_reference_on_random_keys(backend: PhysicalBackend) -> None:
    rand = random.Random(20240611)
    alphabet = ["a", "b", "/", "/", "%", "_", " ", "é", "\U0010ffff", "0", "!", "\x7f"]
    keys = {"".join(rand.choices(alphabet, k=rand.randint(1, 6))) for _ in range(400)}
    await asyncio.gather(*(backend.put(key, b"") for key in keys))
    doomed = set(rand.sample(sorted(keys), 100))
    await asyncio.gather(*(backend.delete(key) for key in doomed))
    keys -= doomed
    prefixes = {""} | {key[:i] for key in keys for i in range(1, len(key))}
    for prefix in sorted(prefixes):
        assert await backend.list(prefix) == reference_list(keys, prefix), repr(prefix)


# --- concurrency and persistence ----------------------------------------------------


async def test_concurrent_puts_are_all_readable(backend: PhysicalBackend) -> None:
    await asyncio.gather(*(backend.put(f"k/{i:03d}", str(i).encode()) for i in range(200)))
    assert await backend.list("k/") == [f"{i:03d}" for i in range(200)]
    values = await asyncio.gather(*(backend.get(f"k/{i:03d}") for i in range(200)))
    assert values == [str(i).encode() for i in range(200)]


async def test_concurrent_changes_to_one_key_apply_in_call_order(
    backend: PhysicalBackend,
) -> None:
    await asyncio.gather(backend.put("k", b"1"), backend.delete("k"), backend.put("k", b"2"))
    assert await backend.get("k") == b"2"
    await asyncio.gather(backend.put("k", b"3"), backend.delete("k"))
    assert await backend.get("k") is None


async def test_data_survives_close_and_reopen(
    implementation: Implementation, tmp_path: Path
) -> None:
    if not implementation.persistent:
        pytest.skip("this backend keeps nothing across instances by design")
    first = implementation.make(tmp_path)
    await first.open()
    await put_all(first, "kept", "dir/kept")
    await first.put("gone", b"x")
    await first.delete("gone")
    await first.close()
    second = implementation.make(tmp_path)
    await second.open()
    try:
        assert await second.get("kept") == b"kept"
        assert await second.get("gone") is None
        assert await second.list("") == ["dir/", "kept"]
    finally:
        await second.close()
