"""The ``userpass`` auth method: people log in with a name and a bcrypt-checked password."""

from __future__ import annotations

from pyvault.builtin.auth.userpass.model import DummyHash
from pyvault.builtin.auth.userpass.path_login import LoginPaths
from pyvault.builtin.auth.userpass.path_users import UserPaths
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig


def userpass_backend(config: BackendConfig) -> Backend:
    login = LoginPaths(DummyHash(config.random.bytes(32)))
    return Backend(
        paths=[*login.paths(), *UserPaths().paths()],
        backend_type="userpass",
        help=HELP,
        unauthenticated_paths=("login", "login/*"),
        renew_auth=login.renew,
    )


HELP = (
    'The "userpass" credential provider allows authentication using\n'
    "a combination of a username and password. No additional factors\n"
    "are supported.\n\n"
    "The username/password combination is configured using the \"users/\"\n"
    "endpoints by a user with root access. Authentication is then done\n"
    'by supplying the two fields for "login".'
)
