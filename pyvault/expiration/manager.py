"""The expiration manager: every lease, its durable record, and its revocation on time.

Token leases are named ``<token path>/h<token hash>``, the shape Vault gives them;
secret leases ``<request path>/<random>``. Records live in :mod:`records`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pyvault.crypto.random import RandomSource, base62
from pyvault.expiration.lease import MAX_REVOKE_ERROR, LeaseEntry, LeaseKind
from pyvault.expiration.protocols import LeaseBackendCaller, TokenRevoker
from pyvault.expiration.records import LeaseRecords
from pyvault.expiration.schedule import LeaseSchedule
from pyvault.expiration.tidy import TidyReport, tidy_leases
from pyvault.expiration.timer import ExpiryTimer
from pyvault.expiration.ttl import calculate_ttl
from pyvault.logical.errors import InternalError, InvalidRequest, VaultError
from pyvault.logical.storage import Storage
from pyvault.token.entry import TokenEntry
from pyvault.util.clock import Clock

log = logging.getLogger("pyvault.expiration")

LEASE_RANDOM_LENGTH = 24
# Revocation retries before a lease is declared irrevocable (Vault: 6, base 10s).
MAX_REVOKE_ATTEMPTS = 6
RETRY_BASE = 10.0


@dataclass(slots=True)
class RenewedLease:
    lease_id: str
    ttl: int
    renewable: bool
    data: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _LockSlot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ExpirationManager:
    """Registers, renews and revokes leases; ``run_due`` revokes what has expired."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        random: RandomSource,
        *,
        tokens: TokenRevoker | None = None,
        backends: LeaseBackendCaller | None = None,
    ) -> None:
        self._records = LeaseRecords(storage)
        self._clock = clock
        self._random = random
        self._tokens = tokens
        self._backends = backends
        self._schedule = LeaseSchedule()
        self._timer = ExpiryTimer(clock, self._schedule.next_time, self.run_due)
        self._attempts: dict[str, int] = {}
        self._irrevocable: dict[str, LeaseEntry] = {}
        self._locks: dict[str, _LockSlot] = {}
        self._tidying = False

    def bind(
        self, *, tokens: TokenRevoker | None = None, backends: LeaseBackendCaller | None = None
    ) -> None:
        """Late wiring, for when the core builds its parts in another order."""
        if tokens is not None:
            self._tokens = tokens
        if backends is not None:
            self._backends = backends

    # ---- lifecycle ---------------------------------------------------------------------

    async def restore(self) -> int:
        """Load every lease (after unseal, once tokens and mounts are up) and revoke
        the ones that expired while sealed; returns how many were revoked."""
        self._records.clear_cache()
        self._schedule.clear()
        self._irrevocable.clear()
        self._attempts.clear()
        for lease in await self._records.all():
            if lease.irrevocable:
                self._irrevocable[lease.lease_id] = lease
            elif lease.expire_time:
                self._schedule.set(lease.lease_id, lease.expire_time)
        return await self.run_due()

    def start(self) -> None:
        """Run the expiry timer in the current event loop (after ``restore``)."""
        self._timer.start()

    async def stop(self) -> None:
        """Stop the timer and forget the in-memory state (on seal)."""
        await self._timer.stop()
        self._records.clear_cache()
        self._schedule.clear()
        self._irrevocable.clear()
        self._attempts.clear()

    async def run_due(self) -> int:
        """Revoke every lease whose time has come; returns how many were revoked."""
        revoked = 0
        while (lease_id := self._schedule.pop_due(self._clock.now())) is not None:
            if await self._expire(lease_id):
                revoked += 1
        return revoked

    async def _expire(self, lease_id: str) -> bool:
        try:
            await self.revoke(lease_id)
        except Exception as exc:
            attempts = self._attempts.get(lease_id, 0) + 1
            self._attempts[lease_id] = attempts
            message = exc.messages[0] if isinstance(exc, VaultError) and exc.messages else ""
            log.warning("expiration: revoking lease %s failed (attempt %d): %s",
                        lease_id, attempts, message or type(exc).__name__)
            if attempts >= MAX_REVOKE_ATTEMPTS:
                await self._mark_irrevocable(lease_id, message or "unknown")
            else:
                retry_at = self._clock.now() + RETRY_BASE * 2 ** (attempts - 1)
                self._schedule.set(lease_id, retry_at)
            return False
        self._attempts.pop(lease_id, None)
        return True

    async def _mark_irrevocable(self, lease_id: str, message: str) -> None:
        self._attempts.pop(lease_id, None)
        lease = await self.lookup(lease_id)
        if lease is None:
            return
        lease.revoke_error = message[:MAX_REVOKE_ERROR]
        await self._records.put(lease)
        self._irrevocable[lease_id] = lease

    # ---- token leases ------------------------------------------------------------------

    @staticmethod
    def token_lease_id(entry: TokenEntry) -> str:
        return f"{entry.path.rstrip('/')}/h{entry.token_hash}"

    async def register_token(self, entry: TokenEntry) -> LeaseEntry:
        """Track a new service token; non-root tokens must carry an expiry."""
        if entry.token_type == "batch":
            raise ValueError("batch tokens have no lease")
        if not entry.expire_time and not entry.is_root():
            raise ValueError("refusing to register a lease for a non-root token with no TTL")
        if ".." in entry.path.split("/"):
            raise InvalidRequest("path cannot contain parent references")
        lease = LeaseEntry(
            lease_id=self.token_lease_id(entry), path=entry.path, kind=LeaseKind.AUTH,
            issue_time=entry.creation_time, expire_time=entry.expire_time, ttl=entry.ttl,
            renewable=entry.renewable and bool(entry.expire_time),
            token_hash=entry.token_hash, num_uses=entry.num_uses,
        )
        await self._records.put(lease)
        self._plan(lease)
        return lease

    async def token_lease(self, entry: TokenEntry) -> LeaseEntry | None:
        """The token's lease, shared with the cache: read it, never change it."""
        return await self._records.peek(self.token_lease_id(entry))

    async def renew_token(
        self,
        entry: TokenEntry,
        increment: int,
        *,
        default_ttl: int,
        max_ttl: int,
        period: int = 0,
        explicit_max_ttl: int = 0,
        backend_ttl: int | None = None,
    ) -> tuple[LeaseEntry, list[str]]:
        """Extend a token's lease (Vault's ``RenewToken``); the caller updates the entry.
        ``backend_ttl`` is an auth method's current TTL (else the lease's own)."""
        lease_id = self.token_lease_id(entry)
        async with self._lease_lock(lease_id):
            lease = await self.lookup(lease_id)
            if lease is None:
                raise InvalidRequest("invalid lease ID")
            now = self._clock.now()
            reason = lease.not_renewable_reason(now)
            if reason is not None:
                raise InvalidRequest(reason or "lease is not renewable")
            ttl, warnings = calculate_ttl(
                default_ttl=default_ttl, max_ttl=max_ttl, now=now, start=lease.issue_time,
                increment=increment,
                backend_ttl=lease.ttl if backend_ttl is None else backend_ttl,
                period=period, explicit_max_ttl=explicit_max_ttl,
            )
            lease.ttl = ttl
            lease.expire_time = now + ttl
            lease.last_renewal_time = now
            await self._records.put(lease)
            self._plan(lease)
            return lease, warnings

    async def revoke_by_token(self, entry: TokenEntry) -> None:
        """The token is being revoked: its secret leases expire now, its own lease goes.

        Called by the token store only; it never calls back into it.
        """
        for lease_id in await self._records.owned_by(entry.token_hash):
            await self.lazy_revoke(lease_id)
        if entry.path and entry.token_type != "batch":
            await self.forget(self.token_lease_id(entry))

    # ---- secret leases -----------------------------------------------------------------

    async def register_secret(
        self,
        *,
        path: str,
        ttl: int,
        renewable: bool,
        owner: TokenEntry,
        data: dict[str, Any] | None = None,
        internal: dict[str, Any] | None = None,
        max_ttl: int = 0,
    ) -> LeaseEntry:
        """Track a secret a backend issued at ``path`` (the full request path) for
        ``owner``; the lease id is ``<path>/<random>``. The caller answers with
        ``lease.lease_id`` and ``lease.ttl_at(now)``."""
        if ".." in path.split("/"):
            raise InvalidRequest("path cannot contain parent references")
        now = self._clock.now()
        lease_id = f"{path.rstrip('/')}/{base62(self._random, LEASE_RANDOM_LENGTH)}"
        index_hash = owner.token_hash if owner.token_type != "batch" else owner.parent_hash
        lease = LeaseEntry(
            lease_id=lease_id, path=path, kind=LeaseKind.SECRET, issue_time=now,
            expire_time=now + ttl, ttl=ttl, max_ttl=max_ttl, renewable=renewable,
            token_hash=owner.token_hash, token_type=owner.token_type, index_hash=index_hash,
            data=data, internal=internal,
        )
        if owner.token_type == "batch" and owner.expire_time:
            lease.expire_time = min(lease.expire_time, owner.expire_time)
        await self._records.put(lease)
        if index_hash:
            await self._records.add_index(index_hash, lease_id)
        self._plan(lease)
        return lease

    async def renew(self, lease_id: str, increment: int) -> RenewedLease:
        """Renew a secret lease through its backend (sys/leases/renew)."""
        async with self._lease_lock(lease_id):
            lease = await self.lookup(lease_id)
            if lease is None:
                raise InvalidRequest("lease not found")
            now = self._clock.now()
            reason = lease.not_renewable_reason(now)
            if reason:
                raise InvalidRequest(reason)
            if lease.is_auth:
                raise InvalidRequest("tokens cannot be renewed through this endpoint")
            if self._backends is None:
                raise InternalError("no backend can renew this lease")
            answer = await self._backends.renew_secret(lease, increment)
            default_ttl, max_ttl = self._backends.ttl_limits(lease.path)
            ttl, warnings = calculate_ttl(
                default_ttl=default_ttl, max_ttl=max_ttl, now=now, start=lease.issue_time,
                increment=increment, backend_ttl=answer.ttl, backend_max_ttl=answer.max_ttl,
            )
            lease.ttl = ttl
            lease.renewable = answer.renewable
            lease.max_ttl = answer.max_ttl
            if answer.data is not None:
                lease.data = answer.data
            lease.expire_time = now + ttl
            lease.last_renewal_time = now
            await self._records.put(lease)
            self._plan(lease)
            return RenewedLease(lease_id, ttl, lease.renewable, answer.data,
                                [*answer.warnings, *warnings])

    async def revoke(self, lease_id: str, *, force: bool = False) -> None:
        """Revoke now (token leases revoke the token and its children); a missing
        lease is not an error. ``force`` drops the lease even if the backend fails."""
        async with self._lease_lock(lease_id):
            lease = await self.lookup(lease_id)
            if lease is None:
                self._schedule.discard(lease_id)
                return
            try:
                await self._revoke_at_source(lease)
            except Exception as exc:
                if not force:
                    raise
                log.warning("expiration: force-revoking %s despite a backend error (%s)",
                            lease_id, type(exc).__name__)
            await self.forget(lease_id, lease)

    async def _revoke_at_source(self, lease: LeaseEntry) -> None:
        if lease.is_auth:
            if self._tokens is not None:
                await self._tokens.revoke_tree_by_hash(lease.token_hash)
            return
        if self._backends is None:
            raise InternalError("no backend can revoke this lease")
        await self._backends.revoke_secret(lease)

    async def lazy_revoke(self, lease_id: str) -> None:
        """Mark the lease expired now; the timer revokes it (Vault's ``LazyRevoke``)."""
        async with self._lease_lock(lease_id):
            lease = await self.lookup(lease_id)
            if lease is None:
                return
            lease.expire_time = self._clock.now()
            await self._records.put(lease)
            self._plan(lease)

    async def revoke_prefix(self, prefix: str, *, force: bool = False, sync: bool = True) -> None:
        """Revoke every lease under ``prefix`` (or the one lease named exactly so)."""
        if not prefix.endswith("/"):
            if await self.lookup(prefix) is not None:
                await (self.revoke(prefix, force=force) if sync else self.lazy_revoke(prefix))
                return
            prefix += "/"
        for lease_id in await self._records.ids_under(prefix):
            try:
                if sync:
                    await self.revoke(lease_id, force=force)
                else:
                    await self.lazy_revoke(lease_id)
            except VaultError as exc:
                raise type(exc)(f"failed to revoke {lease_id!r}: {exc}") from None

    # ---- reading -----------------------------------------------------------------------

    async def lookup(self, lease_id: str) -> LeaseEntry | None:
        return await self._records.get(lease_id)

    async def list_prefix(self, prefix: str) -> list[str]:
        """One level of lease ids below ``prefix`` (folders end with ``/``)."""
        return await self._records.children(prefix)

    def irrevocable_leases(self) -> list[LeaseEntry]:
        return sorted(self._irrevocable.values(), key=lambda lease: lease.lease_id)

    def mount_accessor(self, path: str) -> str:
        return self._backends.mount_accessor(path) if self._backends is not None else ""

    def now(self) -> float:
        return self._clock.now()

    # ---- tidy --------------------------------------------------------------------------

    async def tidy(self) -> TidyReport:
        """Revoke leases whose token is gone and drop index entries of gone leases."""
        if self._tidying or self._tokens is None:
            return TidyReport()
        self._tidying = True
        try:
            return await tidy_leases(self, self._records, self._tokens)
        finally:
            self._tidying = False

    # ---- internals ---------------------------------------------------------------------

    def _plan(self, lease: LeaseEntry) -> None:
        if lease.expire_time and not lease.irrevocable:
            if self._schedule.set(lease.lease_id, lease.expire_time):
                self._timer.poke()
        else:
            self._schedule.discard(lease.lease_id)

    async def forget(self, lease_id: str, lease: LeaseEntry | None = None) -> None:
        """Delete a lease record, its index entry and its timer, revoking nothing."""
        if lease is None:
            lease = await self.lookup(lease_id)
        await self._records.delete(lease_id, lease.index_hash if lease is not None else "")
        self._schedule.discard(lease_id)
        self._irrevocable.pop(lease_id, None)
        self._attempts.pop(lease_id, None)

    @asynccontextmanager
    async def _lease_lock(self, lease_id: str) -> AsyncIterator[None]:
        slot = self._locks.get(lease_id)
        if slot is None:
            slot = self._locks[lease_id] = _LockSlot()
        slot.users += 1
        try:
            async with slot.lock:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                self._locks.pop(lease_id, None)
