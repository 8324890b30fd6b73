"""The parsed server configuration: frozen values that the CLI and HTTP layer read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_LEASE_TTL",
    "DEFAULT_MAX_REQUEST_DURATION",
    "DEFAULT_MAX_REQUEST_SIZE",
    "UNLIMITED_REQUEST_SIZE",
    "ConfigError",
    "ListenerConfig",
    "SealConfigBlock",
    "ServerConfig",
    "StorageConfig",
]

DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024  # Vault's default, 32 MiB
UNLIMITED_REQUEST_SIZE = -1  # a negative max_request_size in the file disables the limit
DEFAULT_MAX_REQUEST_DURATION = 90.0
DEFAULT_LEASE_TTL = 768 * 3600  # Vault's default and max lease TTL (32 days)


class ConfigError(Exception):
    """A configuration that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class ListenerConfig:
    """One ``listener "tcp"`` block. ``max_request_size`` -1 means no limit."""

    type: str = "tcp"
    address: str = "127.0.0.1:8200"
    tls_disable: bool = False
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_min_version: str = "tls12"
    tls_client_ca_file: str | None = None
    tls_require_and_verify_client_cert: bool = False
    max_request_size: int = DEFAULT_MAX_REQUEST_SIZE
    max_request_duration: float = DEFAULT_MAX_REQUEST_DURATION
    # telemetry { unauthenticated_metrics_access = true }: sys/metrics without a token.
    unauthenticated_metrics_access: bool = False
    # inflight_requests_logging { unauthenticated_in_flight_requests_access = true }:
    # GET sys/in-flight-req without a token (sealed too), as Vault's.
    unauthenticated_in_flight_requests_access: bool = False
    # OpenBao's switches; false keeps Vault's unauthenticated rekey/generate-root paths.
    disable_unauthed_rekey_endpoints: bool = False
    disable_unauthed_generate_root_endpoints: bool = False


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """The ``storage`` block; options stay strings, as Vault's map[string]string."""

    type: str
    options: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SealConfigBlock:
    """One ``seal "pkcs11"`` / ``seal "transit"`` block; options stay strings (secrets
    such as the PIN or token included, so the repr leaves them out)."""

    type: str
    options: Mapping[str, str] = field(repr=False)
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything ``pyvault server -config`` needs; TTLs in whole seconds."""

    storage: StorageConfig | None
    listeners: tuple[ListenerConfig, ...]
    api_addr: str | None = None
    cluster_addr: str | None = None
    ui: bool = False
    disable_mlock: bool = False
    default_lease_ttl: int = DEFAULT_LEASE_TTL
    max_lease_ttl: int = DEFAULT_LEASE_TTL
    log_level: str = "info"
    log_format: str = "standard"
    pid_file: str | None = None
    cluster_name: str | None = None
    unsafe_allow_api_audit_creation: bool = False
    allow_audit_log_prefixing: bool = False
    # The telemetry block (other telemetry keys are accepted and ignored). As Vault's:
    # no block → Prometheus off; a block without the key → 24h.
    prometheus_retention_time: int = 0
    disable_hostname: bool = False
    # HA: standbys answer with a 307 redirect to the active node instead of
    # forwarding requests to it (Vault's switch for request forwarding).
    disable_clustering: bool = False
    # Auto-unseal: the seal blocks in file order (none: the Shamir seal).
    seals: tuple[SealConfigBlock, ...] = ()
