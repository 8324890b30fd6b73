"""PostgreSQL storage (asyncpg), shared by several nodes, with an HA lock.

Configured as Vault's ``storage "postgresql"``: ``connection_url`` (a postgres://
URI or libpq ``key=value`` pairs; the ``VAULT_PG_CONNECTION_URL`` environment
variable wins, as in Vault), ``table`` (``vault_kv_store``),
``ha_enabled``, ``ha_table`` (``vault_ha_locks``), ``max_parallel`` (pool size, 128)
and ``max_idle_connections``. The tables have exactly the layout Vault documents, so
one database can move between Vault/OpenBao and pyvault; they are created on first
start when missing (serialised by an advisory lock, so nodes may start together).
Every ``put``/``delete``/``transaction`` is one committed transaction when it returns.

**Fencing.** Once this node has acquired the HA lock (``lock(...).acquire``), every
write runs in a transaction that first reads the lock row ``FOR SHARE`` and checks it
still carries this node's identity and is unexpired; otherwise the write is refused
with ``PhysicalError``. A node taking the lock over must update that row, so it waits
for every write already admitted; writes after the take-over see the new identity and
fail. A paused node that wakes up after losing the lock therefore cannot overwrite what
the new active node wrote. Once the lock is lost (or released), writes keep failing
until this node acquires it again. A node that never acquired the lock writes
unfenced, so ``sys/init`` works before the first election.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg

from pyvault.physical.errors import PhysicalError
from pyvault.physical.postgresql_order import WriteOrder
from pyvault.physical.postgresql_sql import (
    Statements,
    connection_uri,
    quote_ident,
    split_key,
    statements,
    successor,
)
from pyvault.physical.protocol import TxnOp

if TYPE_CHECKING:
    from pyvault.physical.postgresql_lock import PostgreSQLLock

log = logging.getLogger("pyvault.physical.postgresql")

# What a failing database call can raise; all of it becomes PhysicalError.
DB_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
    UnicodeError,  # a key that is not valid UTF-8 (lone surrogates)
)

DEFAULT_TABLE = "vault_kv_store"
DEFAULT_HA_TABLE = "vault_ha_locks"
DEFAULT_MAX_PARALLEL = 128  # Vault's physical.DefaultParallelOperations
# Vault's lock timing: a lease of 15 s, renewed every 5 s, taking retried every second.
LOCK_TTL = 15.0
LOCK_RENEW_INTERVAL = 5.0
LOCK_RETRY_INTERVAL = 1.0


@dataclass(slots=True)
class Fence:
    """The lock this node's writes are checked against (see the module docstring)."""

    key: str
    identity: str
    lost: bool = False
    owner: PostgreSQLLock | None = field(default=None, repr=False)

    def refuse(self) -> PhysicalError:
        return PhysicalError("this node does not hold the HA lock; write refused")


@dataclass(frozen=True, slots=True)
class LockTiming:
    """Seconds: the lease, how often the holder renews it, how often contenders retry."""

    ttl: float = LOCK_TTL
    renew_interval: float = LOCK_RENEW_INTERVAL
    retry_interval: float = LOCK_RETRY_INTERVAL

    def __post_init__(self) -> None:
        if not 0 < self.renew_interval < self.ttl * 0.9 or self.retry_interval <= 0:
            raise PhysicalError("HA lock timing: need 0 < renew_interval < 0.9 * ttl "
                                "and retry_interval > 0")


class PostgreSQLBackend:
    """Vault's PostgreSQL physical backend: a pool for data, one connection per held lock."""

    def __init__(
        self,
        connection_url: str,
        *,
        table: str = DEFAULT_TABLE,
        ha_enabled: bool = False,
        ha_table: str = DEFAULT_HA_TABLE,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        max_idle_connections: int | None = None,
        lock_timing: LockTiming | None = None,
    ) -> None:
        if not connection_url:
            raise PhysicalError("postgresql storage: missing connection_url")
        if not table or not ha_table:
            raise PhysicalError("postgresql storage: table and ha_table must not be empty")
        if max_parallel < 1:
            raise PhysicalError("postgresql storage: max_parallel must be at least 1")
        try:
            self._url = connection_uri(connection_url)
        except ValueError as exc:
            raise PhysicalError(f"postgresql storage: {exc}") from None
        self.table = table
        self.ha_table = ha_table
        self._ha_enabled = ha_enabled
        self._max_parallel = max_parallel
        self._max_idle = max_idle_connections
        self.lock_timing = lock_timing or LockTiming()
        self.sql: Statements = statements(table, ha_table)
        self._pool: asyncpg.Pool | None = None
        self._order = WriteOrder()
        self.fence: Fence | None = None
        self.held_locks: set[PostgreSQLLock] = set()

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> PostgreSQLBackend:
        """The backend a ``storage "postgresql" { ... }`` block describes."""
        url = os.environ.get("VAULT_PG_CONNECTION_URL") or options.get("connection_url", "")
        idle = options.get("max_idle_connections")
        return cls(
            url,
            table=options.get("table", DEFAULT_TABLE),
            ha_enabled=_parse_bool("ha_enabled", options.get("ha_enabled", "false")),
            ha_table=options.get("ha_table", DEFAULT_HA_TABLE),
            max_parallel=_parse_int("max_parallel", options.get("max_parallel"),
                                    DEFAULT_MAX_PARALLEL),
            max_idle_connections=None if idle is None else _parse_int(
                "max_idle_connections", idle, 0),
        )

    # --- lifecycle -------------------------------------------------------------------

    async def open(self) -> None:
        idle = 2 if self._max_idle is None else self._max_idle
        try:
            self._pool = await asyncpg.create_pool(
                self._url,
                min_size=min(idle, self._max_parallel),
                max_size=self._max_parallel,
                # Vault's max_idle_connections: idle connections beyond it close soon.
                max_inactive_connection_lifetime=300.0 if self._max_idle is None else 5.0,
                server_settings={"application_name": "pyvault"},
            )
            await self._create_schema()
        except DB_ERRORS as exc:
            await self.close()
            raise PhysicalError(f"postgresql storage: cannot open the database: {exc}") from exc
        except ValueError as exc:  # asyncpg rejects a malformed URL with ValueError
            await self.close()
            raise PhysicalError(f"postgresql storage: invalid connection_url: {exc}") from None

    async def _create_schema(self) -> None:
        """Create the tables only when missing: a user allowed to write but not to
        create (as Vault expects) can still start on a prepared database."""
        wanted = [(self.table, self.sql.schema_kv)]
        if self._ha_enabled:
            wanted.append((self.ha_table, self.sql.schema_ha))
        async with self.pool.acquire() as conn:
            missing = [ddl for name, ddl in wanted
                       if await conn.fetchval("SELECT to_regclass($1)", quote_ident(name)) is None]
            if not missing:
                return
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('pyvault schema'))")
                for ddl in missing:
                    for statement in ddl:
                        await conn.execute(statement)

    async def close(self) -> None:
        for lock in list(self.held_locks):
            lock.abandon()
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), 10)
            except TimeoutError:
                pool.terminate()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise PhysicalError("postgresql storage is not open")
        return self._pool

    async def connect_lock(self, application_name: str) -> asyncpg.Connection:
        """A connection of its own for one lock, named so other nodes can see it live."""
        conn: asyncpg.Connection = await asyncpg.connect(
            self._url, server_settings={"application_name": application_name})
        return conn

    # --- reads -----------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        _, path, name = split_key(_checked(key))
        try:
            value = await self.pool.fetchval(self.sql.get, path, name)
        except DB_ERRORS as exc:
            raise _failed("get", exc) from exc
        return None if value is None else bytes(value)

    async def list(self, prefix: str) -> builtins.list[str]:
        folder, slash, rest = _checked(prefix).rpartition("/")
        leaf_path = "/" + folder + slash
        lower = "/" + prefix
        upper = successor(lower)
        assert upper is not None  # lower starts with "/", so "0" at worst
        rest_upper = successor(rest)
        try:
            if rest_upper is None:
                rows = await self.pool.fetch(self.sql.list_unbounded, lower, upper, leaf_path,
                                             rest)
            else:
                rows = await self.pool.fetch(self.sql.list_bounded, lower, upper, leaf_path,
                                             rest, rest_upper)
        except DB_ERRORS as exc:
            raise _failed("list", exc) from exc
        children = []
        for path, name in rows:
            if name is not None:
                children.append(name[len(rest):])
            else:
                children.append(path[len(lower):].split("/", 1)[0] + "/")
        children.sort()
        return children

    # --- writes ----------------------------------------------------------------------

    async def put(self, key: str, value: bytes) -> None:
        parent, path, name = split_key(_checked(key))
        data = bytes(value)
        async with self._order.turn((key,)):
            fence = self._current_fence()
            try:
                if fence is None:
                    await self.pool.execute(self.sql.put, parent, path, name, data)
                    return
                admitted = await self.pool.fetchval(self.sql.fenced_put, parent, path, name,
                                                    data, fence.key, fence.identity)
            except DB_ERRORS as exc:
                raise _failed("put", exc) from exc
            if admitted is None:
                raise self._fenced_out(fence)

    async def delete(self, key: str) -> None:
        _, path, name = split_key(_checked(key))
        async with self._order.turn((key,)):
            fence = self._current_fence()
            try:
                if fence is None:
                    await self.pool.execute(self.sql.delete, path, name)
                    return
                admitted = await self.pool.fetchval(self.sql.fenced_delete, path, name,
                                                    fence.key, fence.identity)
            except DB_ERRORS as exc:
                raise _failed("delete", exc) from exc
            if not admitted:
                raise self._fenced_out(fence)

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        steps = _prepare(ops)
        if not steps:
            self._current_fence()  # a node that lost the lock is refused even here
            return
        async with self._order.turn(op[1] for op in ops):
            fence = self._current_fence()
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if fence is not None and await conn.fetchval(
                            self.sql.fence, fence.key, fence.identity) is None:
                        raise self._fenced_out(fence)
                    for kind, rows in steps:
                        await conn.executemany(
                            self.sql.put if kind == "put" else self.sql.delete, rows)
            except DB_ERRORS as exc:
                raise _failed("transaction", exc) from exc

    def _current_fence(self) -> Fence | None:
        fence = self.fence
        if fence is not None and fence.lost:
            raise fence.refuse()
        return fence

    def _fenced_out(self, fence: Fence) -> PhysicalError:
        """The database says another node holds the lock: we lost it."""
        if fence.owner is not None:
            fence.owner.lose("a write found another holder of the lock")
        fence.lost = True
        return fence.refuse()

    # --- HA --------------------------------------------------------------------------

    @property
    def ha_enabled(self) -> bool:
        return self._ha_enabled

    def lock(self, key: str, value: str) -> PostgreSQLLock:
        """An HA lock on ``key`` (cheap: it connects only when acquiring)."""
        if not self._ha_enabled:
            raise PhysicalError("postgresql storage: HA is not enabled (ha_enabled)")
        from pyvault.physical.postgresql_lock import PostgreSQLLock

        return PostgreSQLLock(self, key, value)


def _checked(key: str) -> str:
    if "\x00" in key:
        raise PhysicalError("postgresql storage: keys cannot contain NUL characters")
    return key


def _prepare(ops: Sequence[TxnOp]) -> builtins.list[tuple[str, builtins.list[tuple[Any, ...]]]]:
    """Validate every op before touching the database; group runs of one kind so each
    run is one pipelined executemany."""
    steps: builtins.list[tuple[str, builtins.list[tuple[Any, ...]]]] = []
    for kind, key, value in ops:
        parent, path, name = split_key(_checked(key))
        if kind == "put":
            if value is None:
                raise PhysicalError(f"transaction: put of {key!r} without a value")
            row: tuple[Any, ...] = (parent, path, name, bytes(value))
        elif kind == "delete":
            row = (path, name)
        else:
            raise PhysicalError(f"transaction: unknown operation {kind!r}")
        if steps and steps[-1][0] == kind:
            steps[-1][1].append(row)
        else:
            steps.append((kind, [row]))
    return steps


def _failed(operation: str, exc: BaseException) -> PhysicalError:
    return PhysicalError(f"postgresql storage: {operation} failed: {type(exc).__name__}: {exc}")


def _parse_bool(name: str, text: str) -> bool:
    """Go's strconv.ParseBool, which Vault's config values go through."""
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise PhysicalError(f"postgresql storage: {name} must be true or false, got {text!r}")


def _parse_int(name: str, text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise PhysicalError(
            f"postgresql storage: failed parsing {name} parameter: {text!r}") from None
