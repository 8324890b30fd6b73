"""Upgrading a KV v1 mount's data to KV v2's layout, in place.

Vault upgrades when a kv mount is tuned to ``options.version=2``: every v1 entry
becomes version 1 of a v2 secret and the data is kept. A marker records the
upgrade so it runs once; each key is migrated idempotently (version blob, then
metadata, then the v1 entry is removed), so a crash part-way through is finished
by the next run, which starts whenever a v2 backend finds no "done" marker.
"""

from __future__ import annotations

import logging

from pyvault.builtin.secrets.kv import layout
from pyvault.builtin.secrets.kv.model import KeyMetadata
from pyvault.builtin.secrets.kv.timefmt import now_ns
from pyvault.logical.storage import Storage
from pyvault.util.clock import Clock, SystemClock

log = logging.getLogger("pyvault.kv")


async def upgrade_done(storage: Storage) -> bool:
    raw = await storage.get(layout.UPGRADE_KEY)
    return raw is not None and bool(layout.decode(raw).get("done"))


async def v1_keys(storage: Storage, prefix: str = "") -> list[str]:
    """Every v1 entry (depth first), skipping the v2 folder."""
    found: list[str] = []
    for child in await storage.list(prefix):
        full = prefix + child
        if layout.is_v2_key(full):
            continue
        if child.endswith("/"):
            found.extend(await v1_keys(storage, full))
        else:
            found.append(full)
    return found


async def upgrade_v1_to_v2(storage: Storage, clock: Clock | None = None) -> int:
    """Convert v1 entries to v2 secrets (version 1 each); returns how many.

    Safe to call again (a finished upgrade is a no-op) and safe to interrupt. The
    caller must keep v1 writes away from this storage while it runs.
    """
    if await upgrade_done(storage):
        return 0
    clock = clock or SystemClock()
    started = now_ns(clock)
    await storage.put(layout.UPGRADE_KEY, layout.encode({"started": started, "done": False}))
    keys = await v1_keys(storage)
    if keys:
        log.info("kv: upgrading %d entries to the versioned layout", len(keys))
    migrated = 0
    for key in keys:
        payload = await storage.get(key)
        if payload is None:
            continue
        await storage.put(layout.version_key(key, 1), payload)
        meta = KeyMetadata(key=key)
        # Vault adds the version with a window of one, so oldest_version reads 1.
        meta.add_version(now_ns(clock), None, 1)
        await storage.put(layout.meta_key(key), layout.encode(meta.to_record()))
        await storage.delete(key)
        migrated += 1
    await storage.put(layout.UPGRADE_KEY, layout.encode({"started": started, "done": True}))
    if keys:
        log.info("kv: upgrade finished, %d entries migrated", migrated)
    return migrated
