"""The token store's one question to the rest of the server when renewing a token a
login made: does the auth method still want it extended, and for how long?

Vault routes such renewals to the backend's renew callback for the login path; the
core implements :class:`LoginRenewer` by routing to the mount's ``renew_auth``.
"""

from __future__ import annotations

from typing import Protocol

from pyvault.logical.login import AuthRenewal
from pyvault.token.entry import TokenEntry


class LoginRenewer(Protocol):
    async def __call__(self, entry: TokenEntry, increment: int) -> AuthRenewal | None:
        """The method's current TTL wishes; None leaves the token as it is. Raises
        ``InvalidRequest`` when the method refuses (e.g. policies changed)."""
        ...


def made_by_login(entry: TokenEntry) -> bool:
    """Tokens whose creation path is an auth method's login (not the token store)."""
    return entry.path.startswith("auth/") and not entry.path.startswith("auth/token/")
