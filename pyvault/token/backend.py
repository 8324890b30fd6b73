"""The auth/token/ backend: the token store's HTTP API, one path group per module."""

from __future__ import annotations

from pyvault.expiration.manager import ExpirationManager
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import SystemView
from pyvault.token.context import PolicyExists, SudoCheck, TokenContext, root_only_sudo
from pyvault.token.path_accessors import AccessorPaths
from pyvault.token.path_create import CreatePaths
from pyvault.token.path_lookup import LookupPaths
from pyvault.token.path_renew import RenewPaths
from pyvault.token.path_revoke import RevokePaths
from pyvault.token.path_roles import RolePaths
from pyvault.token.path_tidy import TidyPaths
from pyvault.token.store import TokenStore

# Vault's PathsSpecial.Root for the token store. "revoke-orphan/*" does not match
# "revoke-orphan" itself: that handler checks sudo on its own, as Vault's does.
ROOT_PATHS = ("revoke-orphan/*", "accessors*")

HELP = (
    "The token credential backend is always enabled and builtin to Vault. Client tokens are "
    "used to identify a client and to allow Vault to associate policies and ACLs which are "
    "enforced on every request. This backend also allows for generating sub-tokens as well "
    "as revocation of tokens. The tokens are renewable if associated with a lease."
)


def token_backend(
    store: TokenStore,
    expiration: ExpirationManager,
    system: SystemView,
    *,
    sudo: SudoCheck = root_only_sudo,
    policy_exists: PolicyExists | None = None,
) -> Backend:
    """``sudo(entry, path)`` answers Vault's SudoPrivilege from the ACL (without it only
    root tokens count as sudo); ``policy_exists`` enables the create-time warnings."""
    ctx = TokenContext(store=store, expiration=expiration, system=system, sudo=sudo,
                       policy_exists=policy_exists)
    return Backend(
        paths=[
            *RolePaths(ctx).paths(),
            *AccessorPaths(ctx).paths(),
            *CreatePaths(ctx).paths(),
            *LookupPaths(ctx).paths(),
            *RevokePaths(ctx).paths(),
            *RenewPaths(ctx).paths(),
            *TidyPaths(ctx).paths(),
        ],
        backend_type="token",
        help=HELP,
        root_paths=ROOT_PATHS,
    )
