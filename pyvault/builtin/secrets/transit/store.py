"""Keys in storage and a decrypted in-memory cache; one lock serialises changes."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.model import KeyEntry, Policy, rfc3339_nano
from pyvault.crypto.random import RandomSource
from pyvault.logical.storage import Storage
from pyvault.util.clock import Clock

POLICY_PREFIX = "policy/"
CACHE_CONFIG = "config/cache"
WRAPPING_KEY = "import/key"
NS = 1_000_000_000


class KeyStore:
    """Loads each key once; later uses are served from memory (size 0 = unbounded)."""

    def __init__(self, clock: Clock, random: RandomSource) -> None:
        self.clock = clock
        self.random = random
        self.lock = asyncio.Lock()
        self._cache: OrderedDict[str, Policy] = OrderedDict()
        self.cache_size = 0
        self._config_loaded = False
        self._wrapping: rsa.RSAPrivateKey | None = None

    async def _load_config(self, storage: Storage) -> None:
        if not self._config_loaded:
            raw = await storage.get(CACHE_CONFIG)
            self.cache_size = int(json.loads(raw)["size"]) if raw else 0
            self._config_loaded = True

    async def set_cache_size(self, storage: Storage, size: int) -> None:
        await storage.put(CACHE_CONFIG, json.dumps({"size": size}).encode())
        self.cache_size = size
        self._config_loaded = True
        self._trim_cache()

    async def cache_size_of(self, storage: Storage) -> int:
        await self._load_config(storage)
        return self.cache_size

    def _remember(self, policy: Policy) -> None:
        self._cache[policy.name] = policy
        self._cache.move_to_end(policy.name)
        self._trim_cache()

    def _trim_cache(self) -> None:
        while self.cache_size and len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def get(self, storage: Storage, name: str) -> Policy | None:
        cached = self._cache.get(name)
        if cached is None:
            await self._load_config(storage)
            raw = await storage.get(POLICY_PREFIX + name)
            if raw is None:
                return None
            stored = json.loads(raw)
            cached = Policy.from_json(stored["policy"], stored.get("archived"))
            self._remember(cached)
        if cached.auto_rotate_period_ns and self._rotation_due(cached):
            async with self.lock:
                if self._rotation_due(cached):
                    await self.rotate(storage, cached)
        return cached

    def _rotation_due(self, policy: Policy) -> bool:
        entry = policy.keys.get(policy.latest_version)
        if entry is None:
            return False
        try:
            created = datetime.fromisoformat(entry.time.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return (self.clock.now() - created) * NS >= policy.auto_rotate_period_ns

    async def save(self, storage: Storage, policy: Policy) -> None:
        record = {"policy": policy.policy_json()}
        await storage.put(POLICY_PREFIX + policy.name, json.dumps(record).encode())
        self._remember(policy)

    async def delete(self, storage: Storage, name: str) -> None:
        await storage.delete(POLICY_PREFIX + name)
        self._cache.pop(name, None)

    async def wrapping_key(self, storage: Storage) -> rsa.RSAPrivateKey:
        """The mount's RSA-4096 import key, made on first use (Vault's wrapping_key)."""
        if self._wrapping is None:
            raw = await storage.get(WRAPPING_KEY)
            if raw is None:
                key = await asyncio.to_thread(rsa.generate_private_key, 65537, 4096)
                pem = key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
                await storage.put(WRAPPING_KEY, pem)
                self._wrapping = key
            else:
                loaded = serialization.load_pem_private_key(raw, None)
                assert isinstance(loaded, rsa.RSAPrivateKey)
                self._wrapping = loaded
        return self._wrapping

    async def names(self, storage: Storage) -> list[str]:
        return sorted(await storage.list(POLICY_PREFIX))

    async def new_version(self, policy: Policy, entry: KeyEntry | None = None) -> None:
        """Vault's Rotate (or an import): a new latest version; RSA keygen in a thread."""
        if entry is not None:
            entry.hmac_key = entry.hmac_key or self.random.bytes(32)
        elif policy.type.rsa_bits:
            entry = await asyncio.to_thread(keyops.generate, policy.type, self.random, 0)
            policy.imported = False  # a version made here: no longer only imported
        else:
            entry = keyops.generate(policy.type, self.random, policy.key_size)
            policy.imported = False
        now = self.clock.now()
        entry.time = rfc3339_nano(now)
        entry.creation_time = int(now)
        if policy.convergent_encryption:
            entry.convergent_version = 3
        policy.latest_version += 1
        policy.archive_version = policy.latest_version
        policy.keys[policy.latest_version] = entry
        if policy.min_decryption_version == 0:
            policy.min_decryption_version = 1

    async def rotate(self, storage: Storage, policy: Policy) -> None:
        await self.new_version(policy)
        await self.save(storage, policy)


def is_hmac(policy: Policy) -> bool:
    return policy.type is kt.HMAC
