"""The SQL of the PostgreSQL backend, over Vault's documented table layout.

A key ``"a/b/c"`` is stored as Vault stores it: ``parent_path "/a/"``, ``path "/a/b/"``,
``key "c"`` (a top-level key ``"c"`` has ``parent_path ""`` and ``path "/"``), so a
database written by Vault/OpenBao reads the same here and the other way round. All
text columns are ``COLLATE "C"``: comparisons are by byte, which for UTF-8 is by code
point, the order Vault sorts list results in.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

# Prefix of the application_name of a node's lock connection; the lock identity follows.
LOCK_APP_PREFIX = "pyvault-ha:"


def quote_ident(name: str) -> str:
    """A table name as one quoted identifier (as Vault's dbutil.QuoteIdentifier)."""
    return '"' + name.replace('"', '""') + '"'


# One ``key = value`` of a libpq keyword/value connection string; values may be quoted.
_KEYWORD = re.compile(r"\s*(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))")


def connection_uri(url: str) -> str:
    """``connection_url`` as asyncpg wants it: a URI. Vault's driver also takes libpq's
    ``host=... dbname=...`` form; that becomes ``postgresql://?host=...&dbname=...``."""
    if re.match(r"[A-Za-z][\w+.-]*://", url):
        return url
    pairs, rest = [], url.strip()
    while rest:
        match = _KEYWORD.match(rest)
        if match is None or match.end() == 0:
            raise ValueError("connection_url is neither a postgres:// URI nor key=value pairs")
        quoted = match.group(2)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group(3)
        pairs.append((match.group(1), value))
        rest = rest[match.end():].strip()
    return "postgresql://?" + urllib.parse.urlencode(pairs)


def split_key(full: str) -> tuple[str, str, str]:
    """(parent_path, path, key) of a storage key, in Vault's convention."""
    folder, slash, name = full.rpartition("/")
    if not slash:
        return "", "/", full
    path = "/" + folder + "/"
    grand, slash, _ = folder.rpartition("/")
    parent = "/" + grand + "/" if slash else "/"
    return parent, path, name


def successor(text: str) -> str | None:
    """The smallest string greater than every string that starts with ``text``.

    None when there is none (``text`` is empty or only U+10FFFF characters).
    """
    chars = list(text)
    while chars:
        last = ord(chars.pop()) + 1
        if last == 0xD800:  # surrogates cannot be stored; skip past them
            last = 0xE000
        if last <= 0x10FFFF:
            return "".join(chars) + chr(last)
    return None


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement, with the (quoted) table names filled in."""

    get: str
    put: str
    delete: str
    fenced_put: str
    fenced_delete: str
    fence: str
    list_bounded: str
    list_unbounded: str
    schema_kv: tuple[str, ...]
    schema_ha: tuple[str, ...]
    lock_take: str
    lock_renew: str
    lock_delete: str
    lock_value: str


def statements(table: str, ha_table: str) -> Statements:
    kv, ha = quote_ident(table), quote_ident(ha_table)
    # The lock row is read FOR SHARE: a node taking the lock over must update that row,
    # so it waits until every write that saw us as the holder has committed.
    def fence_cte(key_param: int) -> str:
        return (
            f"SELECT 1 FROM {ha} WHERE ha_key = ${key_param} "
            f"AND ha_identity = ${key_param + 1} AND valid_until > now() FOR SHARE"
        )

    upsert_tail = (
        " ON CONFLICT (path, key) DO UPDATE "
        "SET parent_path = EXCLUDED.parent_path, value = EXCLUDED.value"
    )
    # One level of list: the leaves are rows whose path is the prefix's folder and whose
    # key starts with the rest of the prefix; the folders come from a skip scan over the
    # primary key: find the first path under the prefix, note its first segment, then
    # seek straight past every path in that segment ("/" + 1 is "0"). One index seek
    # per child, however many keys each folder holds.
    folders = (
        "WITH RECURSIVE folder(path) AS ("
        f" (SELECT path FROM {kv} WHERE path > $1 AND path < $2 ORDER BY path LIMIT 1)"
        " UNION ALL"
        f" SELECT (SELECT t.path FROM {kv} t"
        "  WHERE t.path >= $1 || split_part(substr(f.path, char_length($1) + 1), '/', 1)"
        " || '0' AND t.path < $2 ORDER BY t.path LIMIT 1)"
        " FROM folder f WHERE f.path IS NOT NULL)"
        " SELECT path, NULL::text AS key FROM folder WHERE path IS NOT NULL"
        " UNION ALL"
    )
    return Statements(
        get=f"SELECT value FROM {kv} WHERE path = $1 AND key = $2",
        put=f"INSERT INTO {kv} (parent_path, path, key, value) VALUES ($1, $2, $3, $4)"
        + upsert_tail,
        delete=f"DELETE FROM {kv} WHERE path = $1 AND key = $2",
        fenced_put=(
            f"WITH fence AS ({fence_cte(5)}) "
            f"INSERT INTO {kv} (parent_path, path, key, value) "
            "SELECT $1::text, $2::text, $3::text, $4::bytea FROM fence" + upsert_tail
            + " RETURNING 1"
        ),
        fenced_delete=(
            f"WITH fence AS ({fence_cte(3)}), "
            f"gone AS (DELETE FROM {kv} WHERE path = $1 AND key = $2 "
            "AND EXISTS (SELECT 1 FROM fence)) "
            "SELECT count(*) FROM fence"
        ),
        fence=fence_cte(1),
        list_bounded=folders
        + f" SELECT NULL, key FROM {kv} WHERE path = $3 AND key >= $4 AND key < $5",
        list_unbounded=folders
        + f" SELECT NULL, key FROM {kv} WHERE path = $3 AND key >= $4 AND starts_with(key, $4)",
        schema_kv=(
            f"CREATE TABLE IF NOT EXISTS {kv} ("
            ' parent_path TEXT COLLATE "C" NOT NULL,'
            ' path TEXT COLLATE "C",'
            ' key TEXT COLLATE "C",'
            " value BYTEA,"
            " PRIMARY KEY (path, key))",
            f"CREATE INDEX IF NOT EXISTS {quote_ident(table + '_parent_path_idx')} "
            f"ON {kv} (parent_path)",
        ),
        schema_ha=(
            f"CREATE TABLE IF NOT EXISTS {ha} ("
            ' ha_key TEXT COLLATE "C" NOT NULL,'
            ' ha_identity TEXT COLLATE "C" NOT NULL,'
            ' ha_value TEXT COLLATE "C",'
            " valid_until TIMESTAMP WITH TIME ZONE NOT NULL,"
            " PRIMARY KEY (ha_key))",
        ),
        # Take the lock if it is free, ours, expired, or its holder's lock connection
        # is gone (a killed node's connection vanishes from pg_stat_activity at once).
        # The last test only counts when this very connection shows up there under its
        # own name, i.e. when application_name reaches the server (no pooler between).
        lock_take=(
            f"INSERT INTO {ha} AS t (ha_key, ha_identity, ha_value, valid_until) "
            "VALUES ($1, $2, $3, now() + make_interval(secs => $4)) "
            "ON CONFLICT (ha_key) DO UPDATE SET ha_identity = EXCLUDED.ha_identity, "
            "ha_value = EXCLUDED.ha_value, valid_until = EXCLUDED.valid_until "
            "WHERE t.ha_identity = EXCLUDED.ha_identity OR t.valid_until < now() OR ("
            " NOT EXISTS (SELECT 1 FROM pg_stat_activity a"
            "  WHERE a.application_name = $5 || t.ha_identity)"
            " AND EXISTS (SELECT 1 FROM pg_stat_activity a"
            "  WHERE a.pid = pg_backend_pid() AND a.application_name = $5 || $2)) "
            "RETURNING 1"
        ),
        lock_renew=(
            f"UPDATE {ha} SET valid_until = now() + make_interval(secs => $3) "
            "WHERE ha_key = $1 AND ha_identity = $2 AND valid_until > now() RETURNING 1"
        ),
        lock_delete=f"DELETE FROM {ha} WHERE ha_key = $1 AND ha_identity = $2",
        lock_value=f"SELECT ha_value FROM {ha} WHERE ha_key = $1 AND valid_until >= now()",
    )
