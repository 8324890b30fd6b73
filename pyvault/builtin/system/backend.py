"""The sys/ backend: assembled from one path group per area."""

from __future__ import annotations

from pyvault.builtin.system.ops import MountOps, SystemOps
from pyvault.builtin.system.path_audit import AuditOps, AuditPaths
from pyvault.builtin.system.path_capabilities import CapabilityPaths, TokenLookup
from pyvault.builtin.system.path_host import HostPaths, InFlight
from pyvault.builtin.system.path_internal import InternalPaths
from pyvault.builtin.system.path_keys import KeyPaths
from pyvault.builtin.system.path_leases import LeasePaths
from pyvault.builtin.system.path_metrics import MetricsPaths
from pyvault.builtin.system.path_mounts import MountPaths
from pyvault.builtin.system.path_openapi import MountedPaths, OpenAPIPaths
from pyvault.builtin.system.path_policy import PolicyPaths
from pyvault.builtin.system.path_tools import ToolsPaths
from pyvault.builtin.system.path_wrapping import (
    WRAPPING_UNAUTHENTICATED_PATHS,
    WrappingOps,
    WrappingPaths,
)
from pyvault.crypto.random import RandomSource
from pyvault.expiration.manager import ExpirationManager
from pyvault.framework.backend import Backend
from pyvault.metrics.registry import Metrics
from pyvault.policy.store import PolicyStore
from pyvault.util.clock import Clock

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
UNAUTHENTICATED_PATHS = ("internal/ui/mounts", "internal/ui/mounts/*", "internal/specs/openapi")


def system_backend(
    system: SystemOps,
    mounts: MountOps,
    random: RandomSource,
    policies: PolicyStore,
    tokens: TokenLookup,
    mounted: MountedPaths,
    expiration: ExpirationManager,
    wrapper: WrappingOps,
    audit: AuditOps | None = None,
    metrics: tuple[Metrics, Clock] | None = None,
    in_flight: InFlight | None = None,
) -> Backend:
    return Backend(
        paths=[
            *KeyPaths(system).paths(),
            *MountPaths(mounts, random).paths(),
            *InternalPaths(mounts).paths(),
            *PolicyPaths(policies).paths(),
            *CapabilityPaths(policies, tokens).paths(),
            *OpenAPIPaths(mounted).paths(),
            *LeasePaths(expiration).paths(),
            *WrappingPaths(wrapper).paths(),
            *ToolsPaths(random).paths(),
            *(AuditPaths(audit).paths() if audit is not None else []),
            *(MetricsPaths(*metrics).paths() if metrics is not None else []),
            *(HostPaths(metrics[1], in_flight).paths()
              if metrics is not None and in_flight is not None else []),
        ],
        backend_type="system",
        root_paths=ROOT_PATHS,
        unauthenticated_paths=(*UNAUTHENTICATED_PATHS, *WRAPPING_UNAUTHENTICATED_PATHS),
    )
