"""The one place tests learn where PostgreSQL is, and how to skip without it.

``PYVAULT_TEST_PG_URL`` overrides the default (the local trust-auth server). Without
a reachable server the PostgreSQL tests skip, with the reason, unless ``CI`` is set:
there a missing database is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import secrets

import asyncpg
import pytest

PG_URL = os.environ.get("PYVAULT_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


async def require_postgres() -> None:
    """Skip (or, under CI, fail) the calling test when PostgreSQL does not answer."""
    try:
        conn = await asyncpg.connect(PG_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        message = f"PostgreSQL at {PG_URL} is not reachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI"):
            pytest.fail(message + "; it is required when CI is set", pytrace=False)
        pytest.skip(message + "; set PYVAULT_TEST_PG_URL to run these tests")
    await conn.close()


def table_names(stem: str) -> tuple[str, str]:
    """A (kv table, ha table) pair no other test run uses."""
    suffix = secrets.token_hex(5)
    return f"pvt_{stem}_kv_{suffix}", f"pvt_{stem}_ha_{suffix}"


async def drop_tables(*tables: str) -> None:
    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        for table in tables:
            await conn.execute('DROP TABLE IF EXISTS "{}"'.format(table.replace('"', '""')))
    finally:
        await conn.close()
