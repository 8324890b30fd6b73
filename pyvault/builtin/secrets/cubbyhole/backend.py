"""The cubbyhole engine, mounted by the core at ``cubbyhole/`` (type ``cubbyhole``).

``destroy_cubbyhole(view, cubbyhole_owner(entry))`` is what the core registers as a
token-revoke hook, so a revoked or expired token takes its cubbyhole with it.
"""

from __future__ import annotations

from pyvault.builtin.secrets.cubbyhole.path_cubbyhole import CubbyholePaths
from pyvault.builtin.secrets.cubbyhole.storage import cubbyhole_owner, destroy_cubbyhole
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig

__all__ = ["cubbyhole_backend", "cubbyhole_owner", "destroy_cubbyhole"]


def cubbyhole_backend(config: BackendConfig) -> Backend:
    return Backend(paths=CubbyholePaths().paths(), backend_type="cubbyhole", help=HELP)


HELP = (
    "The cubbyhole backend reads and writes arbitrary secrets to the backend. The "
    "secrets are encrypted/decrypted by Vault: they are never stored unencrypted in the "
    "backend and the backend never has an opportunity to see the unencrypted value.\n\n"
    "This backend differs from the 'kv' backend in that it is namespaced per-token. "
    "Tokens can only read and write their own values, with no sharing possible "
    "(per-token cubbyholes). This can be useful for implementing certain authentication "
    "workflows, as well as \"scratch\" areas for individual clients. When the token is "
    "revoked, the entire set of stored values for that token is also removed."
)
