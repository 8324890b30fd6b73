"""Revoking tokens: one at a time, or a whole subtree children first.

Order per token follows Vault's ``revokeInternal``: mark it revocation-pending (so
it stops working at once), run the revoke hooks (cubbyhole), hand its leases to
the expiration manager, then delete the indexes and finally the entry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyvault.token.entry import REVOCATION_PENDING
from pyvault.token.indexes import PARENT_PREFIX, parent_key

if TYPE_CHECKING:
    from pyvault.token.store import TokenStore

log = logging.getLogger("pyvault.token")



class Revoker:
    def __init__(self, store: TokenStore) -> None:
        self._store = store
        self._in_progress: set[str] = set()

    async def revoke_tree(self, token_hash: str) -> None:
        """Revoke a token and every descendant, leaves first (iterative DFS)."""
        storage = self._store.storage
        stack: list[tuple[str, str]] = [(token_hash, "")]
        seen: set[str] = set()
        while stack:
            current, parent = stack[-1]
            seen.add(current)
            prefix = f"{PARENT_PREFIX}{current}/"
            children: list[str] = []
            for child in await storage.list(prefix):
                if child in seen:  # a cycle: never follow it, drop the bad index entry
                    log.warning("token: dropping a cyclic parent index entry")
                    await storage.delete(prefix + child)
                else:
                    children.append(child)
            if children:
                stack.extend((child, current) for child in children)
                continue
            await self.revoke_one(current, orphan_children=False, parent_hint=parent)
            stack.pop()

    async def revoke_one(
        self, token_hash: str, *, orphan_children: bool, parent_hint: str = ""
    ) -> None:
        """Revoke one token; its children become orphans when ``orphan_children``."""
        if token_hash in self._in_progress:
            return
        self._in_progress.add(token_hash)
        try:
            await self._revoke(token_hash, orphan_children, parent_hint)
        finally:
            self._in_progress.discard(token_hash)

    async def _revoke(self, token_hash: str, orphan_children: bool, parent_hint: str) -> None:
        store, storage = self._store, self._store.storage
        entry = await store.load_entry(token_hash)
        if entry is None:
            if parent_hint:  # already gone: only the index entry pointing at it is left
                await storage.delete(parent_key(parent_hint, token_hash))
            return
        if entry.num_uses != REVOCATION_PENDING:
            entry.num_uses = REVOCATION_PENDING
            await store.save(entry)
        for hook in store.hooks:
            await hook(entry)
        if store.expiration is not None:
            await store.expiration.revoke_by_token(entry)
        if entry.parent_hash:
            await storage.delete(parent_key(entry.parent_hash, token_hash))
        if orphan_children:
            await self._orphan_children(token_hash)
        await store.forget(entry)

    async def _orphan_children(self, token_hash: str) -> None:
        store, storage = self._store, self._store.storage
        prefix = f"{PARENT_PREFIX}{token_hash}/"
        for child_hash in await storage.list(prefix):
            child = await store.load_entry(child_hash)
            if child is not None:
                child.parent_hash = ""
                await store.save(child)
            await storage.delete(prefix + child_hash)
