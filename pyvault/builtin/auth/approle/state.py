"""Per-mount AppRole state: the index key, the clock, randomness and one lock."""

from __future__ import annotations

import asyncio

from pyvault.crypto.random import RandomSource
from pyvault.logical.storage import Storage
from pyvault.util.clock import Clock
from pyvault.util.ids import new_uuid

INDEX_KEY = "salt"


class AppRoleState:
    """Shared by the path groups. The lock serialises secret id changes, so two
    logins cannot both spend a secret id's last use."""

    def __init__(self, clock: Clock, random: RandomSource) -> None:
        self.clock = clock
        self.random = random
        self.lock = asyncio.Lock()

    def uuid(self) -> str:
        return new_uuid(self.random)

    def key(self) -> bytes:
        return self.random.bytes(32)

    async def index_key(self, storage: Storage) -> bytes:
        """The mount's HMAC key for the role id index (made on first use)."""
        value = await storage.get(INDEX_KEY)
        if value is None:
            value = self.random.bytes(32)
            await storage.put(INDEX_KEY, value)
        return value
