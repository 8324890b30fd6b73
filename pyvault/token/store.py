"""Token storage: salted-hash keys, accessor index, in-memory cache.

Tokens are looked up on every request, so entries are cached by hash; every write
and delete goes through this class, which keeps the cache exact.
"""

from __future__ import annotations

import hashlib
import hmac

from pyvault.crypto.random import RandomSource, base62
from pyvault.logical.storage import Storage
from pyvault.token.entry import TokenEntry
from pyvault.util.clock import Clock

SALT_KEY = "salt"
ID_PREFIX = "id/"
ACCESSOR_PREFIX = "accessor/"
SERVICE_PREFIX = "hvs."
TOKEN_RANDOM_LENGTH = 24


class TokenStore:
    """Owns ``sys/token/`` inside the barrier."""

    def __init__(self, storage: Storage, random: RandomSource, clock: Clock) -> None:
        self._storage = storage
        self._random = random
        self._clock = clock
        self._salt: bytes | None = None
        self._cache: dict[str, TokenEntry] = {}

    async def load(self) -> None:
        """Read or create the salt; called once after unseal."""
        salt = await self._storage.get(SALT_KEY)
        if salt is None:
            salt = self._random.bytes(32)
            await self._storage.put(SALT_KEY, salt)
        self._salt = salt
        self._cache.clear()

    def unload(self) -> None:
        self._salt = None
        self._cache.clear()

    def hash(self, value: str) -> str:
        if self._salt is None:
            raise RuntimeError("token store is not loaded")
        return hmac.new(self._salt, value.encode(), hashlib.sha256).hexdigest()

    def new_token_id(self, prefix: str = SERVICE_PREFIX) -> str:
        return prefix + base62(self._random, TOKEN_RANDOM_LENGTH)

    async def create_root(self, token_id: str | None = None) -> str:
        """Mint a root token (no TTL, no parent); returns the token string."""
        token = token_id or self.new_token_id()
        entry = TokenEntry(
            token_hash=self.hash(token),
            accessor=base62(self._random, TOKEN_RANDOM_LENGTH),
            policies=["root"],
            path="auth/token/root",
            display_name="root",
            creation_time=self._clock.now(),
            orphan=True,
        )
        await self.put(entry)
        return token

    async def put(self, entry: TokenEntry) -> None:
        await self._storage.put(ID_PREFIX + entry.token_hash, entry.serialize())
        await self._storage.put(
            ACCESSOR_PREFIX + self.hash(entry.accessor), entry.token_hash.encode()
        )
        self._cache[entry.token_hash] = entry

    async def lookup(self, token: str) -> TokenEntry | None:
        """The live entry for ``token``; expired tokens read as missing."""
        if not token or self._salt is None:
            return None
        token_hash = self.hash(token)
        entry = self._cache.get(token_hash)
        if entry is None:
            raw = await self._storage.get(ID_PREFIX + token_hash)
            if raw is None:
                return None
            entry = TokenEntry.deserialize(raw)
            self._cache[token_hash] = entry
        if entry.expire_time and entry.expire_time <= self._clock.now():
            return None
        return entry

    async def delete(self, entry: TokenEntry) -> None:
        await self._storage.delete(ID_PREFIX + entry.token_hash)
        await self._storage.delete(ACCESSOR_PREFIX + self.hash(entry.accessor))
        self._cache.pop(entry.token_hash, None)

    async def use(self, entry: TokenEntry) -> bool:
        """Count one use of a limited-use token; False once it is used up."""
        if entry.num_uses == 0:
            return True
        entry.num_uses -= 1
        if entry.num_uses == 0:
            await self.delete(entry)
        else:
            await self.put(entry)
        return True

    async def lookup_accessor(self, accessor: str) -> TokenEntry | None:
        if not accessor or self._salt is None:
            return None
        raw = await self._storage.get(ACCESSOR_PREFIX + self.hash(accessor))
        if raw is None:
            return None
        entry_raw = await self._storage.get(ID_PREFIX + raw.decode())
        return TokenEntry.deserialize(entry_raw) if entry_raw is not None else None
