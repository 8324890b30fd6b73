"""auth/token/tidy: repair what a crash or an old bug can leave behind.

- parent index entries whose child is gone are dropped; children whose parent is
  gone become orphans (Vault's tidy does the same);
- accessor index entries whose token is gone are dropped, with the token's leases;
- tokens left revocation-pending or expired but not revoked are revoked now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyvault.token.entry import REVOCATION_PENDING, TokenEntry
from pyvault.token.indexes import (
    ACCESSOR_PREFIX,
    ID_PREFIX,
    PARENT_PREFIX,
    decode_accessor_record,
)

if TYPE_CHECKING:
    from pyvault.token.store import TokenStore

log = logging.getLogger("pyvault.token")


@dataclass(slots=True)
class TokenTidyReport:
    parent_entries_deleted: int = 0
    orphaned: int = 0
    accessors_deleted: int = 0
    tokens_revoked: int = 0
    errors: list[str] = field(default_factory=list)


async def tidy_tokens(store: TokenStore) -> TokenTidyReport:
    report = TokenTidyReport()
    await _tidy_parents(store, report)
    await _tidy_accessors(store, report)
    await _tidy_stale(store, report)
    log.info("token tidy: %s", report)
    return report


async def _tidy_parents(store: TokenStore, report: TokenTidyReport) -> None:
    storage = store.storage
    for parent in await storage.list(PARENT_PREFIX):
        parent_hash = parent.rstrip("/")
        parent_alive = await store.load_entry(parent_hash) is not None
        for child_hash in await storage.list(PARENT_PREFIX + parent):
            child = await store.load_entry(child_hash)
            if child is not None and parent_alive:
                continue
            if child is not None and child.parent_hash == parent_hash:
                child.parent_hash = ""
                await store.save(child)
                report.orphaned += 1
            await storage.delete(PARENT_PREFIX + parent + child_hash)
            report.parent_entries_deleted += 1


async def _tidy_accessors(store: TokenStore, report: TokenTidyReport) -> None:
    storage = store.storage
    for key in await storage.list(ACCESSOR_PREFIX):
        raw = await storage.get(ACCESSOR_PREFIX + key)
        if raw is None:
            continue
        token_hash, _ = decode_accessor_record(raw)
        if token_hash and await store.load_entry(token_hash) is not None:
            continue
        if token_hash and store.expiration is not None:
            # Only the hash is known: enough to find and revoke its leases.
            await store.expiration.revoke_by_token(TokenEntry(token_hash=token_hash))
        await storage.delete(ACCESSOR_PREFIX + key)
        report.accessors_deleted += 1


async def _tidy_stale(store: TokenStore, report: TokenTidyReport) -> None:
    now = store.now()
    for token_hash in await store.storage.list(ID_PREFIX):
        entry = await store.load_entry(token_hash)
        if entry is None:
            continue
        if entry.num_uses == REVOCATION_PENDING or entry.expired(now):
            try:
                await store.revoker.revoke_tree(token_hash)
                report.tokens_revoked += 1
            except Exception as exc:
                report.errors.append(type(exc).__name__)
