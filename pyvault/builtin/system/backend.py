"""The sys/ backend: assembled from one path group per area."""

from __future__ import annotations

from pyvault.builtin.system.ops import SystemOps
from pyvault.builtin.system.path_keys import KeyPaths
from pyvault.framework.backend import Backend

# Paths that need ``sudo`` in addition to the operation's capability (Vault's list).
ROOT_PATHS = (
    "auth/*",
    "remount",
    "audit",
    "audit/*",
    "raw",
    "raw/*",
    "rotate",
    "seal",
    "step-down",
    "config/cors",
    "config/auditing/*",
    "config/ui/headers/*",
    "plugins/catalog/*",
    "revoke-prefix/*",
    "revoke-force/*",
    "leases/revoke-prefix/*",
    "leases/revoke-force/*",
    "leases/lookup/*",
    "leases",
)


def system_backend(system: SystemOps) -> Backend:
    return Backend(
        paths=[*KeyPaths(system).paths()],
        backend_type="system",
        root_paths=ROOT_PATHS,
    )
