"""The ``totp`` secrets engine: keys that make and check RFC 6238 one-time codes."""

from __future__ import annotations

from pyvault.builtin.secrets.totp.path_code import CodePaths
from pyvault.builtin.secrets.totp.path_keys import KeyPaths
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig


def totp_backend(config: BackendConfig) -> Backend:
    return Backend(
        paths=[*KeyPaths(config.random).paths(), *CodePaths(config.clock).paths()],
        backend_type="totp",
        help=HELP,
    )


HELP = (
    "The TOTP backend dynamically generates time-based one-time use passwords."
)
