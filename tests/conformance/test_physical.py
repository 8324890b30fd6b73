"""One suite, every physical backend (after Vault's sdk/physical/testing.go ExerciseBackend).

Each test runs once per entry of ``IMPLEMENTATIONS``; a new backend joins by adding
one entry, and must pass everything here unchanged. PostgreSQL runs get tables of
their own (named after the test's tmp_path, so a reopen finds the same data), dropped
afterwards; see tests/postgres.py for where the server is and when they skip.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyvault.physical import create_backend
from pyvault.physical.errors import PhysicalError
from pyvault.physical.protocol import PhysicalBackend
from tests.postgres import PG_URL, drop_tables, require_postgres


@dataclass(frozen=True)
class Implementation:
    """How to build one backend over a test's tmp_path, and whether it persists.

    ``prepare`` runs before the test (it may skip it); ``cleanup`` after it.
    """

    make: Callable[[Path], PhysicalBackend]
    persistent: bool
    prepare: Callable[[], Awaitable[None]] | None = None
    cleanup: Callable[[Path], Awaitable[None]] | None = None


def pg_table(tmp: Path) -> str:
    return "pvt_conformance_" + hashlib.sha256(str(tmp).encode()).hexdigest()[:16]


IMPLEMENTATIONS: dict[str, Implementation] = {
    "inmem": Implementation(lambda tmp: create_backend("inmem", {}), persistent=False),
    "sqlite": Implementation(
        lambda tmp: create_backend("sqlite", {"path": str(tmp / "vault.db")}), persistent=True
    ),
    "postgresql": Implementation(
        lambda tmp: create_backend(
            "postgresql", {"connection_url": PG_URL, "table": pg_table(tmp), "max_parallel": "8"}
        ),
        persistent=True,
        prepare=require_postgres,
        cleanup=lambda tmp: drop_tables(pg_table(tmp)),
    ),
}


@pytest.fixture(params=[
    pytest.param(name, marks=[pytest.mark.postgres] if name == "postgresql" else [])
    for name in sorted(IMPLEMENTATIONS)
])
async def implementation(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Implementation]:
    chosen = IMPLEMENTATIONS[request.param]
    if chosen.prepare is not None:
        await chosen.prepare()
    yield chosen
    if chosen.cleanup is not None:
        await chosen.cleanup(tmp_path)


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


# --- transaction ----------------------------------------------------------------------


async def test_transaction_applies_puts_and_deletes_in_order(backend: PhysicalBackend) -> None:
    await put_all(backend, "t/old", "t/keep")
    await backend.transaction([
        ("put", "t/new", b"1"),
        ("delete", "t/old", None),
        ("put", "t/twice", b"first"),
        ("put", "t/twice", b"second"),
        ("put", "t/gone", b"x"),
        ("delete", "t/gone", None),
        ("delete", "t/never-there", None),
    ])
    assert await backend.list("t/") == ["keep", "new", "twice"]
    assert await backend.get("t/new") == b"1"
    assert await backend.get("t/twice") == b"second"
    assert await backend.get("t/old") is None


async def test_empty_transaction_changes_nothing(backend: PhysicalBackend) -> None:
    await backend.put("k", b"v")
    await backend.transaction([])
    assert await backend.list("") == ["k"]


async def test_transaction_with_a_bad_op_applies_none_of_it(backend: PhysicalBackend) -> None:
    await backend.put("t/a", b"before")
    with pytest.raises(PhysicalError, match="without a value"):
        await backend.transaction([("put", "t/a", b"after"), ("put", "t/b", None)])
    assert await backend.get("t/a") == b"before"
    assert await backend.list("t/") == ["a"]


async def test_concurrent_transactions_are_each_all_or_nothing(backend: PhysicalBackend) -> None:
    """A read never sees half of a transaction, and concurrent ones apply in call order.

    Each read is one ``list`` (one statement, hence one snapshot, on every backend).
    Two separate gets would be two reads at two instants on a store with several
    connections (postgresql), which may straddle a commit without any transaction
    being torn.
    """
    stop = asyncio.Event()
    torn: list[list[str]] = []

    async def watch() -> None:
        while not stop.is_set():
            names = await backend.list("p/")
            present = set(names)
            if any((f"{i}a" in present) != (f"{i}b" in present) for i in range(50)):
                torn.append(names)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(
        backend.transaction([("put", f"p/{i}a", b"x"), ("put", "p/last/a", str(i).encode()),
                             ("put", f"p/{i}b", b"x"), ("put", "p/last/b", str(i).encode())])
        for i in range(50)
    ))
    await asyncio.gather(*(
        backend.transaction([("delete", f"p/{i}a", None), ("delete", f"p/{i}b", None)])
        for i in range(0, 50, 2)
    ))
    stop.set()
    await watcher
    assert not torn
    assert await backend.list("p/") == sorted(
        [f"{i}{s}" for i in range(1, 50, 2) for s in "ab"] + ["last/"])
    assert await backend.get("p/last/a") == await backend.get("p/last/b") == b"49"


async def test_transaction_is_durable(implementation: Implementation, tmp_path: Path) -> None:
    if not implementation.persistent:
        pytest.skip("this backend keeps nothing across instances by design")
    first = implementation.make(tmp_path)
    await first.open()
    await first.put("old", b"x")
    await first.transaction([("put", "v/1", b"data"), ("put", "m", b"meta"),
                             ("delete", "old", None)])
    await first.close()
    second = implementation.make(tmp_path)
    await second.open()
    try:
        assert (await second.get("v/1"), await second.get("m")) == (b"data", b"meta")
        assert await second.get("old") is None
    finally:
        await second.close()


async def test_lists_between_random_puts_and_deletes_match_reference(
    backend: PhysicalBackend,
) -> None:
    """Lists interleaved with changes (a key deleted and put back, a folder emptied and
    refilled) always show the current keys, however the backend indexes them."""
    rng = random.Random(7)
    names = [f"{a}/{b}" for a in "abc" for b in ("x", "y", "z/1", "z/2")] + ["a", "b"]
    present: set[str] = set()
    for _ in range(300):
        key = rng.choice(names)
        if rng.random() < 0.5:
            await backend.put(key, b"v")
            present.add(key)
        else:
            await backend.delete(key)
            present.discard(key)
        if rng.random() < 0.3:
            prefix = rng.choice(["", "a/", "b/", "c/", "a/z/", "c/z/"])
            assert await backend.list(prefix) == reference_list(present, prefix), prefix


async def test_lists_after_many_changes_at_once(backend: PhysicalBackend) -> None:
    present = {f"m/{i:03d}" for i in range(200)} | {f"m/d{i % 7}/x{i}" for i in range(100)}
    for key in present:
        await backend.put(key, b"v")
    assert await backend.list("m/") == reference_list(present, "m/")
    for key in sorted(present)[::2]:
        await backend.delete(key)
        present.discard(key)
    assert await backend.list("m/") == reference_list(present, "m/")
    for i in range(0, 200, 3):  # some were deleted above, some never left
        await backend.put(f"m/{i:03d}", b"w")
        present.add(f"m/{i:03d}")
    assert await backend.list("m/") == reference_list(present, "m/")
    assert await backend.list("m/d3/") == reference_list(present, "m/d3/")
