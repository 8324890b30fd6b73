"""Where a token's cubbyhole lives, shared by the engine and response wrapping.

Every entry sits under ``<owner>/<path>`` in the cubbyhole mount's storage (the owner:
see ``cubbyhole_owner``) and holds the JSON object that was written (Vault's layout),
so a wrapping token can read ``cubbyhole/response`` like any other cubbyhole entry.
"""

from __future__ import annotations

import json
from typing import Any

from pyvault.logical.storage import Storage, collect_keys


def cubbyhole_owner(token_entry: Any) -> str:
    """The key a token's cubbyhole lives under: its token hash. (Vault keys modern
    tokens by a separate CubbyholeID; switching to ``cubbyhole_id`` is this line.)
    The revoke hook must destroy ``cubbyhole_owner(entry)``."""
    owner = getattr(token_entry, "token_hash", "") if token_entry is not None else ""
    return owner if isinstance(owner, str) else ""


def entry_key(owner: str, path: str) -> str:
    return f"{owner}/{path}"


async def read_entry(storage: Storage, owner: str, path: str) -> dict[str, Any] | None:
    raw = await storage.get(entry_key(owner, path))
    if raw is None:
        return None
    value: dict[str, Any] = json.loads(raw)
    return value


async def write_entry(
    storage: Storage, owner: str, path: str, data: dict[str, Any]
) -> None:
    encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    await storage.put(entry_key(owner, path), encoded.encode())


async def destroy_cubbyhole(storage: Storage, token_hash: str) -> None:
    """Delete everything a token stored: the core runs this when a token is revoked."""
    if not token_hash:
        raise ValueError("client token empty during revocation")
    for key in await collect_keys(storage, token_hash + "/"):
        await storage.delete(key)
