"""The PostgreSQL backend's tables: Vault's layout, created safely by nodes starting
together, and rows readable both ways between Vault's convention and ours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql import PostgreSQLBackend
from tests.postgres import PG_URL, drop_tables, require_postgres, table_names

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
async def tables() -> AsyncIterator[tuple[str, str]]:
    await require_postgres()
    names = table_names("schema")
    yield names
    await drop_tables(*names)


async def columns(conn: asyncpg.Connection, table: str) -> list[tuple[str, str, str | None]]:
    rows = await conn.fetch(
        "SELECT column_name, data_type, collation_name FROM information_schema.columns "
        "WHERE table_name = $1 ORDER BY ordinal_position", table)
    return [(r["column_name"], r["data_type"], r["collation_name"]) for r in rows]


async def test_nodes_starting_together_create_vaults_tables_once(
    tables: tuple[str, str],
) -> None:
    nodes = [PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], ha_enabled=True,
                               max_parallel=2) for _ in range(4)]
    await asyncio.gather(*(node.open() for node in nodes))
    try:
        await nodes[0].put("a/b/c", b"v")
        assert await nodes[3].get("a/b/c") == b"v"
    finally:
        for node in nodes:
            await node.close()
    conn = await asyncpg.connect(PG_URL)
    try:
        assert await columns(conn, tables[0]) == [
            ("parent_path", "text", "C"), ("path", "text", "C"), ("key", "text", "C"),
            ("value", "bytea", None)]
        assert await columns(conn, tables[1]) == [
            ("ha_key", "text", "C"), ("ha_identity", "text", "C"), ("ha_value", "text", "C"),
            ("valid_until", "timestamp with time zone", None)]
        primary = await conn.fetchval(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = to_regclass($1) AND indisprimary", f'"{tables[0]}"')
        assert primary.endswith("(path, key)")
        indexes = await conn.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = $1",
                                   tables[0])
        assert any(r["indexdef"].endswith("(parent_path)") for r in indexes)
    finally:
        await conn.close()


async def test_rows_are_laid_out_as_vault_writes_them(tables: tuple[str, str]) -> None:
    node = PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], max_parallel=2)
    await node.open()
    conn = await asyncpg.connect(PG_URL)
    try:
        await node.put("a/b/c", b"ours")
        await node.put("top", b"t")
        rows = await conn.fetch(f'SELECT parent_path, path, key, value FROM "{tables[0]}" '
                                "ORDER BY path, key")
        assert [tuple(r) for r in rows] == [
            ("", "/", "top", b"t"), ("/a/", "/a/b/", "c", b"ours")]
        # A row as Vault would insert it for "logical/x/y".
        await conn.execute(f'INSERT INTO "{tables[0]}" VALUES ($1, $2, $3, $4)',
                           "/logical/", "/logical/x/", "y", b"vault's")
        assert await node.get("logical/x/y") == b"vault's"
        assert await node.list("logical/") == ["x/"]
        assert await node.list("") == ["a/", "logical/", "top"]
    finally:
        await conn.close()
        await node.close()


async def test_an_unreachable_database_is_a_physical_error() -> None:
    node = PostgreSQLBackend("postgres://postgres@127.0.0.1:1/test", max_parallel=1)
    with pytest.raises(PhysicalError, match="cannot open the database"):
        await node.open()
    with pytest.raises(PhysicalError, match="not open"):
        await node.get("k")


async def test_nul_in_a_key_is_refused_clearly(tables: tuple[str, str]) -> None:
    node = PostgreSQLBackend(PG_URL, table=tables[0], ha_table=tables[1], max_parallel=1)
    await node.open()
    try:
        with pytest.raises(PhysicalError, match="NUL"):
            await node.put("a\x00b", b"v")
        await node.put("k", b"\x00 values may hold NUL")
        assert await node.get("k") == b"\x00 values may hold NUL"
    finally:
        await node.close()
