"""What an auth method hands the core at login, and what it answers at renewal.

A login handler returns a :class:`LoginAuth` without a ``client_token``; the core
turns it into a real token (Vault's ``handleLoginRequest``), because only the core
knows the mount's TTLs and owns the token store. A token made that way is renewed
through the same method (Vault calls the backend's renew for the login path), so a
deleted user or role stops its tokens from being extended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pyvault.logical.request import Request
from pyvault.logical.response import Auth


@dataclass(slots=True, kw_only=True)
class LoginAuth(Auth):
    """An ``Auth`` carrying the token parameters the core needs to mint the token."""

    ttl: int = 0
    max_ttl: int = 0
    period: int = 0
    explicit_max_ttl: int = 0
    no_default_policy: bool = False
    bound_cidrs: list[str] = field(default_factory=list)
    display_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthRenewal:
    """The method's current wishes for a token it issued (0 = the mount's value)."""

    ttl: int = 0
    max_ttl: int = 0
    period: int = 0
    explicit_max_ttl: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewingToken:
    """What a method may know of the token being renewed."""

    policies: list[str]
    metadata: dict[str, str]
    increment: int


# (request routed to the login path's mount, the token) → renewal, or None to
# leave the token as it is (Vault's nil response: e.g. the user no longer exists).
AuthRenewer = Callable[[Request, RenewingToken], Awaitable[AuthRenewal | None]]
