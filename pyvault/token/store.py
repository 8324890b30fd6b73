"""Token storage: salted-hash keys, accessor and parent indexes, an exact cache.

Storage layout (the core gives it ``sys/token/`` in the barrier):

- ``salt``, ``batch-key``: the HMAC salt for hashing tokens, the batch token key;
- ``id/<hash>``: the :class:`TokenEntry` of a service token;
- ``accessor/<hash of accessor>``: which token an accessor belongs to;
- ``parent/<parent hash>/<child hash>``: the token tree, for revoking subtrees;
- ``roles/<name>``: token roles.

Tokens are looked up on every request, so entries are cached by hash; every write
and delete goes through this class, which keeps the cache exact. Cached entries
are shared: callers change them only through this class.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pyvault.crypto.aead import KEY_SIZE
from pyvault.crypto.random import RandomSource, base62
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.storage import Storage
from pyvault.token.batch import BatchCodec, is_batch_token
from pyvault.token.entry import REVOCATION_PENDING, TokenEntry
from pyvault.token.indexes import (
    ACCESSOR_PREFIX,
    ID_PREFIX,
    decode_accessor_record,
    encode_accessor_record,
    parent_key,
)
from pyvault.token.login_renewal import LoginRenewer, made_by_login
from pyvault.token.policies import sanitize_policies
from pyvault.token.revocation import Revoker
from pyvault.token.role import RoleStore
from pyvault.util.clock import Clock

if TYPE_CHECKING:
    from pyvault.expiration.lease import LeaseEntry
    from pyvault.expiration.manager import ExpirationManager

SALT_KEY = "salt"
BATCH_KEY = "batch-key"
SERVICE_PREFIX = "hvs."
TOKEN_RANDOM_LENGTH = 24

RevokeHook = Callable[[TokenEntry], Awaitable[None]]


class TokenStore:
    """Owns ``sys/token/`` inside the barrier."""

    def __init__(self, storage: Storage, random: RandomSource, clock: Clock) -> None:
        self._storage = storage
        self._random = random
        self._clock = clock
        self._salt: bytes | None = None
        self._batch: BatchCodec | None = None
        self._cache: dict[str, TokenEntry] = {}
        self._expiration: ExpirationManager | None = None
        self._hooks: list[RevokeHook] = []
        self._login_renewer: LoginRenewer | None = None
        self.roles = RoleStore(storage)
        self.revoker = Revoker(self)

    # ---- lifecycle and wiring ------------------------------------------------------------

    async def load(self) -> None:
        """Read or create the salt and the batch key; called once after unseal."""
        self._salt = await self._secret(SALT_KEY)
        self._batch = BatchCodec(await self._secret(BATCH_KEY), self._random)
        self._cache.clear()

    async def _secret(self, key: str) -> bytes:
        value = await self._storage.get(key)
        if value is None:
            value = self._random.bytes(KEY_SIZE)
            await self._storage.put(key, value)
        return value

    def unload(self) -> None:
        self._salt = None
        self._batch = None
        self._cache.clear()

    def attach_expiration(self, expiration: ExpirationManager) -> None:
        """Token leases are registered with, renewed by and cleaned from ``expiration``."""
        self._expiration = expiration

    def attach_login_renewer(self, renewer: LoginRenewer) -> None:
        """Tokens made by an auth method's login are renewed through ``renewer``."""
        self._login_renewer = renewer

    @property
    def expiration(self) -> ExpirationManager | None:
        return self._expiration

    def add_revoke_hook(self, callback: RevokeHook) -> None:
        """``callback(entry)`` runs for every token revoked, before its records go."""
        self._hooks.append(callback)

    @property
    def hooks(self) -> tuple[RevokeHook, ...]:
        return tuple(self._hooks)

    @property
    def storage(self) -> Storage:
        return self._storage

    def now(self) -> float:
        return self._clock.now()

    # ---- identifiers -----------------------------------------------------------------

    def hash(self, value: str) -> str:
        """HMAC-SHA256 of ``value`` under the store's salt: what storage keys use."""
        if self._salt is None:
            raise RuntimeError("token store is not loaded")
        return hmac.new(self._salt, value.encode(), hashlib.sha256).hexdigest()

    def new_token_id(self, prefix: str = SERVICE_PREFIX) -> str:
        return prefix + base62(self._random, TOKEN_RANDOM_LENGTH)

    # ---- creation ----------------------------------------------------------------------

    async def create_root(self, token_id: str | None = None) -> str:
        """Mint a root token (no TTL, no parent, no lease); returns the token string."""
        token = token_id or self.new_token_id()
        entry = TokenEntry(
            token_hash=self.hash(token), accessor=self._random_id(), policies=["root"],
            path="auth/token/root", display_name="root", creation_time=self._clock.now(),
            cubbyhole_id=self._random_id(),
        )
        await self._store_new(entry)
        return token

    async def create_token(
        self,
        *,
        policies: list[str],
        parent: TokenEntry | None,
        ttl: int,
        explicit_max_ttl: int = 0,
        period: int = 0,
        num_uses: int = 0,
        renewable: bool = True,
        orphan: bool = False,
        display_name: str = "token",
        meta: dict[str, str] | None = None,
        path: str = "auth/token/create",
        token_type: str = "service",
        token_id: str | None = None,
        no_default_policy: bool = False,
        role: str = "",
        entity_id: str = "",
        bound_cidrs: list[str] | None = None,
    ) -> tuple[str, TokenEntry]:
        """Store a token whose policies and TTL the caller already decided.

        ``default`` is added unless ``no_default_policy``; service tokens with a TTL
        (and root tokens) get a lease when an expiration manager is attached.
        """
        now = self._clock.now()
        final = sanitize_policies(policies, add_default=not no_default_policy)
        if ttl <= 0 and final != ["root"]:
            # Vault refuses too: such a token would never expire (fail closed).
            raise ValueError("only root tokens may be created without a TTL")
        entry = TokenEntry(
            token_hash="", policies=final, path=path, display_name=display_name,
            meta=meta, num_uses=num_uses, creation_time=now, ttl=ttl,
            explicit_max_ttl=explicit_max_ttl, period=period,
            renewable=renewable and ttl > 0, token_type=token_type, entity_id=entity_id,
            role=role, expire_time=now + ttl if ttl else 0.0, bound_cidrs=bound_cidrs or [],
            parent_hash="" if orphan or parent is None else parent.token_hash,
        )
        if token_type == "batch":
            if self._batch is None:
                raise RuntimeError("token store is not loaded")
            token = self._batch.encode(entry)
            entry.token_hash = self.hash(token)
            return token, entry
        if token_type != "service":
            raise ValueError(f"cannot create a token of type {token_type!r}")
        token = await self._check_custom_id(token_id) if token_id else self.new_token_id()
        entry.token_hash = self.hash(token)
        entry.accessor = self._random_id()
        entry.cubbyhole_id = self._random_id()
        if entry.parent_hash and await self._load(entry.parent_hash) is None:
            raise InvalidRequest("parent token not found")
        await self._store_new(entry)
        if self._expiration is not None and (entry.expire_time or entry.is_root()):
            await self._expiration.register_token(entry)
        return token, entry

    async def _check_custom_id(self, token_id: str) -> str:
        if token_id.startswith(SERVICE_PREFIX):
            raise InvalidRequest("custom token ID cannot have the 'hvs.' prefix")
        if token_id.startswith("s."):
            raise InvalidRequest("custom token ID cannot have the 's.' prefix")
        if "." in token_id:
            raise InvalidRequest("custom token ID cannot have a '.' in the value")
        if await self._load(self.hash(token_id)) is not None:
            raise InvalidRequest("cannot create a token with a duplicate ID")
        return token_id

    def _random_id(self) -> str:
        return base62(self._random, TOKEN_RANDOM_LENGTH)

    async def _store_new(self, entry: TokenEntry) -> None:
        """Parent index first, then accessor, then the entry: a crash leaves at worst a
        dangling index (tidy removes it), never a token outside its revocation tree."""
        if entry.parent_hash:
            await self._storage.put(parent_key(entry.parent_hash, entry.token_hash), b"")
        await self._storage.put(self._accessor_key(entry.accessor),
                                encode_accessor_record(entry.token_hash, entry.accessor))
        await self.save(entry)

    # ---- reading -----------------------------------------------------------------------

    async def lookup(self, token: str) -> TokenEntry | None:
        """The live entry for ``token``: expired, revoked or used-up tokens read as None."""
        entry = await self.lookup_tainted(token)
        if entry is None or entry.num_uses < 0 or entry.expired(self._clock.now()):
            return None
        return entry

    async def lookup_tainted(self, token: str) -> TokenEntry | None:
        """Like ``lookup`` but also returns tokens on their last use or past expiry
        that are not yet revoked (Vault's tainted lookup, used by auth/token/lookup)."""
        if not token or self._salt is None:
            return None
        if is_batch_token(token):
            return await self._lookup_batch(token)
        return await self._load(self.hash(token))

    async def _lookup_batch(self, token: str) -> TokenEntry | None:
        if self._batch is None:
            return None
        entry = self._batch.decode(token, self.hash(token))
        if entry is None or entry.expired(self._clock.now()):
            return None
        if entry.parent_hash and await self.live_by_hash(entry.parent_hash) is None:
            return None
        return entry

    async def live_by_hash(self, token_hash: str) -> TokenEntry | None:
        entry = await self._load(token_hash)
        if entry is None or entry.num_uses < 0 or entry.expired(self._clock.now()):
            return None
        return entry

    async def lookup_accessor(self, accessor: str) -> TokenEntry | None:
        """The live token an accessor belongs to."""
        entry = await self.entry_by_accessor(accessor)
        if entry is None or entry.num_uses < 0 or entry.expired(self._clock.now()):
            return None
        return entry

    async def entry_by_accessor(self, accessor: str) -> TokenEntry | None:
        """The stored entry behind ``accessor``, whatever its state."""
        token_hash = await self.accessor_target(accessor)
        return None if token_hash is None else await self._load(token_hash)

    async def accessor_target(self, accessor: str) -> str | None:
        if not accessor or self._salt is None:
            return None
        raw = await self._storage.get(self._accessor_key(accessor))
        return None if raw is None else decode_accessor_record(raw)[0]

    async def list_accessors(self) -> list[str]:
        accessors: list[str] = []
        for key in await self._storage.list(ACCESSOR_PREFIX):
            raw = await self._storage.get(ACCESSOR_PREFIX + key)
            if raw is not None and (accessor := decode_accessor_record(raw)[1]):
                accessors.append(accessor)
        return accessors

    async def token_exists(self, token_hash: str) -> bool:
        return await self._load(token_hash) is not None

    async def _load(self, token_hash: str) -> TokenEntry | None:
        entry = self._cache.get(token_hash)
        if entry is None:
            raw = await self._storage.get(ID_PREFIX + token_hash)
            if raw is None:
                return None
            entry = TokenEntry.deserialize(raw)
            self._cache[token_hash] = entry
        return entry

    async def load_entry(self, token_hash: str) -> TokenEntry | None:
        """The stored entry, whatever its state (revocation and tidy use it)."""
        return await self._load(token_hash)

    def _accessor_key(self, accessor: str) -> str:
        return ACCESSOR_PREFIX + self.hash(accessor)

    # ---- writing -----------------------------------------------------------------------

    async def save(self, entry: TokenEntry) -> None:
        """Persist a changed entry (the cache then holds this very object)."""
        await self._storage.put(ID_PREFIX + entry.token_hash, entry.serialize())
        self._cache[entry.token_hash] = entry

    async def forget(self, entry: TokenEntry) -> None:
        """Delete the entry and its accessor index (revocation's last step)."""
        if entry.accessor:
            await self._storage.delete(self._accessor_key(entry.accessor))
        await self._storage.delete(ID_PREFIX + entry.token_hash)
        self._cache.pop(entry.token_hash, None)

    def drop_cached(self, token_hash: str) -> None:
        self._cache.pop(token_hash, None)

    # ---- uses, renewal, revocation -----------------------------------------------------

    async def use(self, entry: TokenEntry) -> bool:
        """Count one use of a limited-use token; False when it has none left.

        The last use marks the token revocation-pending (it stops looking up) but the
        request goes on; call ``release`` after it to revoke the token.
        """
        if entry.num_uses == 0 or entry.token_type == "batch":
            return True
        current = await self._load(entry.token_hash)
        if current is None or current.num_uses < 0:
            return False
        if current.num_uses == 0:
            return True
        current.num_uses = REVOCATION_PENDING if current.num_uses == 1 else current.num_uses - 1
        await self.save(current)
        entry.num_uses = current.num_uses
        return True

    async def release(self, entry: TokenEntry) -> None:
        """After a request: revoke the token if that was its last use."""
        if entry.num_uses != REVOCATION_PENDING:
            return
        current = await self._load(entry.token_hash)
        if current is not None and current.num_uses == REVOCATION_PENDING:
            await self.revoker.revoke_tree(current.token_hash)

    async def renew(
        self, entry: TokenEntry, increment: int, *, default_ttl: int, max_ttl: int
    ) -> tuple[LeaseEntry, list[str]] | None:
        """Extend the token's lease; a role's current period and explicit max apply.
        A login token asks its auth method first: None means the method declined
        (Vault answers with nothing and the token keeps its expiry)."""
        if self._expiration is None:
            raise InvalidRequest("invalid lease ID")
        period, explicit_max = entry.period, entry.explicit_max_ttl
        backend_ttl: int | None = None
        if entry.role:
            role = await self.roles.get(entry.role)
            if role is None:
                raise InvalidRequest(
                    f'original token role "{entry.role}" could not be found, not renewing'
                )
            period, explicit_max = role.token_period, role.token_explicit_max_ttl
        elif self._login_renewer is not None and made_by_login(entry):
            try:
                renewal = await self._login_renewer(entry, increment)
            except InvalidRequest as exc:
                raise InvalidRequest(multierror(f"failed to renew entry: {exc}")) from None
            if renewal is None:
                return None
            period, explicit_max = renewal.period, renewal.explicit_max_ttl
            backend_ttl = renewal.ttl
            if 0 < renewal.max_ttl < max_ttl:
                max_ttl = renewal.max_ttl
        lease, warnings = await self._expiration.renew_token(
            entry, increment, default_ttl=default_ttl, max_ttl=max_ttl,
            period=period, explicit_max_ttl=explicit_max, backend_ttl=backend_ttl,
        )
        entry.expire_time = lease.expire_time
        await self.save(entry)
        return lease, warnings

    async def revoke(self, entry: TokenEntry, orphan_children: bool = False) -> None:
        """Revoke ``entry``: with its whole subtree, or leaving its children orphans."""
        if orphan_children:
            await self.revoker.revoke_one(entry.token_hash, orphan_children=True)
        else:
            await self.revoker.revoke_tree(entry.token_hash)

    async def revoke_tree_by_hash(self, token_hash: str) -> None:
        """The expiration manager's way in: a token lease expired or was revoked."""
        await self.revoker.revoke_tree(token_hash)
