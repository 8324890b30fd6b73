"""The AES-256-GCM security barrier between Vault logic and untrusted storage.

Entry layout (Vault's): ``term (4 bytes, big endian) | version 0x02 | nonce (12) |
ciphertext | tag``; the storage key is the GCM associated data, so a blob copied to
another key fails to open. The keyring itself is stored at ``core/keyring``,
encrypted with the root key (marked term 0).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Sequence

from pyvault.barrier.keyring import Keyring, TermKey
from pyvault.crypto import aead
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import Sealed
from pyvault.physical.protocol import PhysicalBackend, TxnOp
from pyvault.util.clock import Clock

KEYRING_PATH = "core/keyring"
VERSION_PATH_AAD = 2
_HEADER = struct.Struct(">IB")
_ROOT_TERM = 0


class BarrierError(Exception):
    """A stored entry failed to decrypt: tampered, moved, or of an unknown term."""


class InvalidRootKey(Exception):
    """The root key offered at unseal does not open the keyring."""


class AESGCMBarrier:
    """Encrypts every entry on its way to physical storage."""

    def __init__(self, physical: PhysicalBackend, random: RandomSource, clock: Clock) -> None:
        self._physical = physical
        self._random = random
        self._clock = clock
        self._keyring: Keyring | None = None
        self._encryptions: dict[int, int] = {}

    @property
    def sealed(self) -> bool:
        return self._keyring is None

    async def initialized(self) -> bool:
        return await self._physical.get(KEYRING_PATH) is not None

    async def initialize(self, root_key: bytes) -> None:
        """Create the keyring with its first term; the barrier stays sealed."""
        if await self.initialized():
            raise BarrierError("barrier is already initialized")
        first = TermKey(1, self._random.bytes(aead.KEY_SIZE), self._clock.now())
        await self._persist_keyring(Keyring(root_key=root_key, keys=(first,)))

    async def unseal(self, root_key: bytes) -> None:
        raw = await self._physical.get(KEYRING_PATH)
        if raw is None:
            raise BarrierError("barrier is not initialized")
        try:
            plaintext = self._decrypt(KEYRING_PATH, raw, {_ROOT_TERM: root_key})
        except BarrierError:
            raise InvalidRootKey("root key does not open the keyring") from None
        self._keyring = Keyring.deserialize(plaintext)
        self._encryptions = {}

    def seal(self) -> None:
        """Forget every key; nothing can be read until the next unseal."""
        self._keyring = None
        self._encryptions = {}

    async def rotate(self) -> TermKey:
        """Install a new term for all future writes; older terms stay readable."""
        ring = self._require_keyring()
        rotated = ring.with_new_term(self._random.bytes(aead.KEY_SIZE), self._clock.now())
        await self._persist_keyring(rotated)
        self._keyring = rotated
        return rotated.active

    async def replace_root_key(
        self, root_key: bytes, alongside: Sequence[TxnOp] = ()
    ) -> None:
        """Re-encrypt the keyring under a new root key (sys/rotate/root); the data
        keys, and so every stored entry, stay as they are. ``alongside`` are raw
        storage writes that must land in the same transaction (a seal migration
        stores the newly wrapped root key with the keyring it opens)."""
        rewrapped = self._require_keyring().with_root_key(root_key)
        if alongside:
            blob = self._encrypt(KEYRING_PATH, rewrapped.serialize(), _ROOT_TERM, root_key)
            await self._physical.transaction([("put", KEYRING_PATH, blob), *alongside])
        else:
            await self._persist_keyring(rewrapped)
        self._keyring = rewrapped

    def active_term(self) -> TermKey:
        return self._require_keyring().active

    def seed_encryptions(self, term: int, count: int) -> None:
        """Add encryptions made before this unseal (persisted by the rotation check),
        so ``max_operations`` counts a term's whole life, not just since unseal."""
        self._encryptions[term] = self._encryptions.get(term, 0) + count

    def encryptions(self, term: int) -> int:
        return self._encryptions.get(term, 0)

    def derive_key(self, purpose: bytes) -> bytes:
        """A key every unsealed node of the cluster derives alike (HMAC of the first
        term's key, which is never dropped from the keyring) — e.g. to authenticate
        requests a standby forwards to the active node."""
        ring = self._require_keyring()
        first = ring.key_for(ring.keys[0].term) or ring.active
        return hmac.new(first.key, purpose, hashlib.sha256).digest()

    def root_key(self) -> bytes:
        return self._require_keyring().root_key

    async def get(self, key: str) -> bytes | None:
        ring = self._require_keyring()
        raw = await self._physical.get(key)
        if raw is None:
            return None
        return self._decrypt(key, raw, {k.term: k.key for k in ring.keys})

    async def put(self, key: str, value: bytes) -> None:
        active = self._require_keyring().active
        self._encryptions[active.term] = self._encryptions.get(active.term, 0) + 1
        await self._physical.put(key, self._encrypt(key, value, active.term, active.key))

    async def delete(self, key: str) -> None:
        self._require_keyring()
        await self._physical.delete(key)

    async def transaction(self, ops: Sequence[TxnOp]) -> None:
        """Encrypt every put's value, then hand the batch to storage as one durable
        transaction (e.g. a KV v2 version and its metadata land together or not)."""
        active = self._require_keyring().active
        sealed: list[TxnOp] = []
        for op, key, value in ops:
            if op == "put":
                if value is None:
                    raise ValueError(f"transaction: put {key!r} without a value")
                sealed.append(("put", key, self._encrypt(key, value, active.term, active.key)))
            else:
                sealed.append((op, key, None))
        puts = sum(1 for op in sealed if op[0] == "put")
        self._encryptions[active.term] = self._encryptions.get(active.term, 0) + puts
        await self._physical.transaction(sealed)

    async def list(self, prefix: str) -> list[str]:
        self._require_keyring()
        return await self._physical.list(prefix)

    def _require_keyring(self) -> Keyring:
        if self._keyring is None:
            raise Sealed()
        return self._keyring

    async def _persist_keyring(self, ring: Keyring) -> None:
        blob = self._encrypt(KEYRING_PATH, ring.serialize(), _ROOT_TERM, ring.root_key)
        await self._physical.put(KEYRING_PATH, blob)

    def _encrypt(self, path: str, plaintext: bytes, term: int, key: bytes) -> bytes:
        header = _HEADER.pack(term, VERSION_PATH_AAD)
        return header + aead.seal(key, plaintext, path.encode(), self._random)

    def _decrypt(self, path: str, blob: bytes, keys: dict[int, bytes]) -> bytes:
        if len(blob) <= _HEADER.size:
            raise BarrierError(f"stored entry {path!r} is too short")
        term, version = _HEADER.unpack_from(blob)
        if version != VERSION_PATH_AAD:
            raise BarrierError(f"stored entry {path!r} has unknown version {version}")
        key = keys.get(term)
        if key is None:
            raise BarrierError(f"stored entry {path!r} uses unknown term {term}")
        try:
            return aead.open_sealed(key, blob[_HEADER.size :], path.encode())
        except aead.DecryptionError:
            raise BarrierError(f"stored entry {path!r} failed to decrypt") from None
