"""The ``approle`` auth method: machines log in with a role id and a secret id."""

from __future__ import annotations

from pyvault.builtin.auth.approle.path_login import LoginPaths
from pyvault.builtin.auth.approle.path_role import RolePaths
from pyvault.builtin.auth.approle.path_role_fields import RoleFieldPaths
from pyvault.builtin.auth.approle.path_secret_id import SecretIDPaths
from pyvault.builtin.auth.approle.path_tidy import TidyPaths
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig


def approle_backend(config: BackendConfig) -> Backend:
    state = AppRoleState(config.clock, config.random)
    login = LoginPaths(state)
    return Backend(
        # Secret-id paths before the role paths: "role/{name}" would not take them,
        # but keeping the longer patterns first keeps the table easy to read.
        paths=[*login.paths(), *SecretIDPaths(state).paths(),
               *RoleFieldPaths(state, config.system).paths(), *RolePaths(state).paths(),
               *TidyPaths(state).paths()],
        backend_type="approle",
        help=HELP,
        unauthenticated_paths=("login", "login/*"),
        renew_auth=login.renew,
    )


HELP = (
    "Any registered Role can authenticate itself with Vault. The credentials\n"
    "depends on the constraints that are set on the Role. One common required\n"
    "credential is the 'role_id' which is a unique identifier of the Role.\n"
    "It can be retrieved from the 'role/<appname>/role-id' endpoint.\n\n"
    "The default constraint configuration is 'bind_secret_id', which requires\n"
    "the credential 'secret_id' to be presented during login. Refer to the\n"
    "documentation for other types of constraints."
)
