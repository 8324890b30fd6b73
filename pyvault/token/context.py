"""What every auth/token/ path group shares: the stores and the caller's privileges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pyvault.expiration.manager import ExpirationManager
from pyvault.logical.request import Request
from pyvault.logical.system_view import SystemView
from pyvault.token.entry import TokenEntry
from pyvault.token.store import TokenStore

MOUNT_POINT = "auth/token/"

# (caller's entry, full request path) -> does the caller hold sudo there?
SudoCheck = Callable[[TokenEntry, str], Awaitable[bool]]
# policy name -> is it defined? (create warns about undefined ones)
PolicyExists = Callable[[str], Awaitable[bool]]


async def root_only_sudo(entry: TokenEntry, path: str) -> bool:
    """The fallback when the core gives no ACL-based check: only root tokens have sudo."""
    return entry.is_root()


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenContext:
    store: TokenStore
    expiration: ExpirationManager
    system: SystemView
    sudo: SudoCheck = root_only_sudo
    policy_exists: PolicyExists | None = None

    async def caller(self, request: Request) -> TokenEntry | None:
        """The calling token's live entry (the pipeline's, else looked up again)."""
        return await self.store.lookup(request.client_token) if request.client_token else None

    async def is_sudo(self, request: Request, entry: TokenEntry | None = None) -> bool:
        """Vault's SudoPrivilege on ``<mount point><path>`` for the caller."""
        entry = entry if entry is not None else await self.caller(request)
        if entry is None:
            return False
        return await self.sudo(entry, (request.mount_point or MOUNT_POINT) + request.path)

    def full_path(self, request: Request) -> str:
        """The token's creation path: always under ``auth/token/``, as Vault records it."""
        return MOUNT_POINT + request.path
