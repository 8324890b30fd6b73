"""Login tokens: the core's half of every auth method (Vault's ``handleLoginRequest``
and the renew call it routes back to the method).

An auth method only decides *who* logs in and with which token parameters; it
answers with an ``Auth`` that has no ``client_token``. Here that becomes a real,
orphan token whose TTL follows Vault's arithmetic against the mount's TTLs, and a
renewal of such a token is first put to the method that issued it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pyvault.expiration.ttl import calculate_ttl
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.login import AuthRenewal, LoginAuth, RenewingToken
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.entry import TokenEntry

if TYPE_CHECKING:
    from pyvault.core.core import Core


def issues_login_token(routed: Request, response: Response | None) -> bool:
    """An auth mount (not the token store) answered with an Auth still to be made real."""
    return (response is not None and response.auth is not None
            and not response.auth.client_token and routed.mount_point.startswith("auth/")
            and routed.mount_type != "token")


def _token_type(requested: str, mount_default: str) -> str:
    """The method's type unless it says ``default``; then the mount's tuned type."""
    if requested in ("service", "batch"):
        return requested
    return "batch" if mount_default in ("batch", "default-batch") else "service"


async def issue_login_token(core: Core, routed: Request, original: Request,
                            response: Response) -> None:
    auth = response.auth
    assert auth is not None
    login = auth if isinstance(auth, LoginAuth) else LoginAuth(
        policies=auth.policies, metadata=auth.metadata, ttl=auth.lease_duration,
        renewable=auth.renewable, token_type=auth.token_type, num_uses=auth.num_uses,
    )
    mount = core.mounts.get(routed.mount_point)
    default_ttl, max_ttl = core.system.ttl_limits(original.path)
    token_type = _token_type(login.token_type,
                             str((mount.extra_config if mount else {}).get("token_type", "")))
    if token_type == "batch" and login.period:
        raise InvalidRequest("batch tokens cannot be periodic")
    ttl, warnings = calculate_ttl(
        default_ttl=default_ttl, max_ttl=max_ttl, now=core.clock.now(),
        backend_ttl=login.ttl, period=login.period, backend_max_ttl=login.max_ttl,
        explicit_max_ttl=login.explicit_max_ttl,
    )
    source = routed.mount_point[len("auth/"):].replace("/", "-")
    display_name = (source + login.display_name).rstrip("-")  # Vault's "userpass-bob"
    token, entry = await core.tokens.create_token(
        policies=list(login.policies), parent=None, ttl=ttl,
        explicit_max_ttl=login.explicit_max_ttl, period=login.period,
        num_uses=login.num_uses if token_type == "service" else 0,
        renewable=login.renewable and token_type == "service", orphan=True,
        display_name=display_name, meta=login.metadata,
        path=original.path, token_type=token_type,
        no_default_policy=login.no_default_policy, bound_cidrs=list(login.bound_cidrs),
    )
    response.auth = replace(
        login, client_token=token, accessor=entry.accessor, policies=list(entry.policies),
        token_policies=list(entry.policies), lease_duration=ttl, renewable=entry.renewable,
        token_type=entry.token_type, orphan=True, num_uses=entry.num_uses,
        display_name=display_name,
    )
    response.warnings.extend(warnings)


class LoginRenewerImpl:
    """Routes the renewal of a login token to the ``renew_auth`` of the method
    mounted at its creation path (the token store's ``LoginRenewer``)."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def __call__(self, entry: TokenEntry, increment: int) -> AuthRenewal | None:
        matched = self._core.router.match(entry.path)
        if matched is None:
            return None
        mount, relative = matched
        if mount.backend.renew_auth is None:
            return AuthRenewal()
        request = Request(
            operation=Operation.RENEW, path=relative, storage=mount.view,
            mount_point=mount.entry.path, mount_type=mount.entry.type,
            mount_accessor=mount.entry.accessor, token_entry=entry,
        )
        token = RenewingToken(policies=list(entry.policies), metadata=dict(entry.meta or {}),
                              increment=increment)
        return await mount.backend.renew_auth(request, token)
