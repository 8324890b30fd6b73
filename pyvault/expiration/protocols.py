"""What the expiration manager needs from the rest of the server.

Revoking a token lease revokes the token (the token store does that); revoking or
renewing a secret lease calls back into the backend that issued it (the core
routes that). Both are narrow protocols so the manager is testable alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pyvault.expiration.lease import LeaseEntry


class TokenRevoker(Protocol):
    """The token store, as the expiration manager sees it."""

    async def revoke_tree_by_hash(self, token_hash: str) -> None:
        """Revoke the token with this salted hash and all of its descendants."""
        ...

    async def token_exists(self, token_hash: str) -> bool:
        """Whether a token entry with this hash is stored (tidy uses it)."""
        ...


@dataclass(slots=True, kw_only=True)
class SecretRenewal:
    """A backend's answer to a renewal: its TTL wishes and fresh response data."""

    ttl: int = 0  # 0 = the mount's default
    max_ttl: int = 0  # 0 = only the mount's max applies
    renewable: bool = True
    data: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


class LeaseBackendCaller(Protocol):
    """Routes revoke and renew operations of secret leases to their backends."""

    async def revoke_secret(self, lease: LeaseEntry) -> None:
        """Ask the backend mounted at ``lease.path`` to revoke the secret; raise on failure."""
        ...

    async def renew_secret(self, lease: LeaseEntry, increment: int) -> SecretRenewal:
        """Ask the owning backend to renew; raise ``InvalidRequest`` if it refuses."""
        ...

    def ttl_limits(self, path: str) -> tuple[int, int]:
        """(default lease TTL, max lease TTL) of the mount owning ``path``."""
        ...

    def mount_accessor(self, path: str) -> str:
        """The accessor of the mount owning ``path`` ("" when unmounted)."""
        ...
