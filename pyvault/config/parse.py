"""One file's text → a ConfigFragment; fragments → a checked ServerConfig.

Files are parsed into fragments first because several files merge (later
listeners append, later scalars win, storage once in total) and the final
checks, such as default_lease_ttl <= max_lease_ttl, need the merged view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar

from pyvault.config.listener import listener_blocks, parse_listener
from pyvault.config.model import (
    DEFAULT_LEASE_TTL,
    ConfigError,
    ListenerConfig,
    SealConfigBlock,
    ServerConfig,
    StorageConfig,
)
from pyvault.config.seal import parse_seal, seal_blocks
from pyvault.config.storage import parse_storage, storage_blocks
from pyvault.config.syntax import Item, parse_items
from pyvault.config.values import as_bool, as_duration, as_str

__all__ = ["ConfigFragment", "Settings", "build_config", "parse_config", "parse_fragment"]

T = TypeVar("T")

LOG_LEVELS = {
    "trace": "trace",
    "debug": "debug",
    "info": "info",
    "warn": "warn",
    "warning": "warn",
    "error": "error",
}
LOG_FORMATS = ("standard", "json")

# Vault keys we accept and do nothing with (no clustering, plugins, telemetry,
# auto-unseal, ...), so that a Vault config file loads unchanged.
IGNORED_KEYS = frozenset(
    {
        "disable_cache",
        "plugin_directory",
        "raw_storage_endpoint",
        "introspection_endpoint",
        "enable_response_header_hostname",
        "enable_response_header_raft_node_id",
        "license_path",
        "disable_performance_standby",
        "log_file",
    }
)


class Settings(TypedDict, total=False):
    """The scalar ServerConfig fields a file set; absent keys keep their default."""

    api_addr: str
    cluster_addr: str
    ui: bool
    disable_mlock: bool
    default_lease_ttl: int
    max_lease_ttl: int
    log_level: str
    log_format: str
    pid_file: str
    cluster_name: str
    unsafe_allow_api_audit_creation: bool
    allow_audit_log_prefixing: bool
    prometheus_retention_time: int
    disable_hostname: bool
    disable_clustering: bool


@dataclass(frozen=True, slots=True)
class ConfigFragment:
    """What one file says, before merging."""

    source: str
    storage: StorageConfig | None
    listeners: tuple[ListenerConfig, ...]
    settings: Settings
    seals: tuple[SealConfigBlock, ...] = ()


def parse_config(text: str, source: str) -> ServerConfig:
    """Parse one file's text (JSON if ``source`` ends in .json, else HCL)."""
    return build_config([parse_fragment(text, source)])


def parse_fragment(text: str, source: str) -> ConfigFragment:
    """Parse and check one file; every problem is a one-line ConfigError."""
    try:
        items = parse_items(text, json_syntax=source.lower().endswith(".json"))
    except ValueError as exc:
        raise _error(source, str(exc)) from None
    try:
        return _fragment(items, source)
    except ValueError as exc:
        raise _error(source, str(exc)) from None


def build_config(fragments: Sequence[ConfigFragment]) -> ServerConfig:
    """Merge fragments in order and apply the checks that span files."""
    storage: StorageConfig | None = None
    storage_source = ""
    listeners: list[ListenerConfig] = []
    seals: list[SealConfigBlock] = []
    settings = Settings()
    for fragment in fragments:
        if fragment.storage is not None:
            if storage is not None:
                raise _error(
                    fragment.source,
                    f"storage is already configured in "
                    f"{storage_source}; give exactly one storage block",
                )
            storage, storage_source = fragment.storage, fragment.source
        listeners.extend(fragment.listeners)
        seals.extend(fragment.seals)
        settings.update(fragment.settings)
    # Vault: a TTL of 0 means the default, and the default may not exceed the max.
    default_ttl = settings.get("default_lease_ttl") or DEFAULT_LEASE_TTL
    max_ttl = settings.get("max_lease_ttl") or DEFAULT_LEASE_TTL
    if default_ttl > max_ttl:
        sources = ", ".join(f.source for f in fragments) or "<none>"
        raise _error(
            sources,
            f"default_lease_ttl ({default_ttl}s) cannot be larger than max_lease_ttl ({max_ttl}s)",
        )
    settings["default_lease_ttl"], settings["max_lease_ttl"] = default_ttl, max_ttl
    return ServerConfig(storage=storage, listeners=tuple(listeners), seals=tuple(seals),
                        **settings)


def _fragment(items: list[Item], source: str) -> ConfigFragment:
    storage: StorageConfig | None = None
    listeners: list[ListenerConfig] = []
    seals: list[SealConfigBlock] = []
    settings = Settings()
    for key, value in items:
        if key in ("storage", "backend"):
            for kind, body in storage_blocks(value):
                if storage is not None:
                    raise ValueError(
                        f'storage is given more than once ("{storage.type}" and '
                        f'"{kind}"); give exactly one storage block'
                    )
                storage = parse_storage(kind, body)
        elif key == "listener":
            for kind, body in listener_blocks(value):
                number = len(listeners) + 1
                try:
                    listeners.append(parse_listener(kind, body))
                except ValueError as exc:
                    raise ValueError(f'listener {number} ("{kind}"): {exc}') from None
        elif key == "seal":
            seals.extend(parse_seal(kind, body) for kind, body in seal_blocks(value))
        elif key == "telemetry":
            _telemetry(settings, value)
        elif key not in IGNORED_KEYS:
            _set_scalar(settings, key, value)
    return ConfigFragment(source, storage, tuple(listeners), settings, tuple(seals))


def _telemetry(settings: Settings, value: object) -> None:
    """The telemetry block: the Prometheus retention and hostname switch are used;
    sinks pyvault does not have (statsite, statsd, ...) are accepted and ignored."""
    for block in value if isinstance(value, list) else [value]:
        if not isinstance(block, dict):
            raise ValueError("telemetry must be a block")
        settings["prometheus_retention_time"] = int(_get(
            "telemetry.prometheus_retention_time", as_duration,
            block.get("prometheus_retention_time", "24h")))
        if "disable_hostname" in block:
            settings["disable_hostname"] = _get(
                "telemetry.disable_hostname", as_bool, block["disable_hostname"])


def _set_scalar(settings: Settings, key: str, value: object) -> None:
    """Store one top-level scalar; a repeated key: the later one wins."""
    match key:
        case "api_addr":
            settings["api_addr"] = _get(key, as_str, value)
        case "cluster_addr":
            settings["cluster_addr"] = _get(key, as_str, value)
        case "ui":
            settings["ui"] = _get(key, as_bool, value)
        case "disable_mlock":
            settings["disable_mlock"] = _get(key, as_bool, value)
        case "default_lease_ttl":
            settings["default_lease_ttl"] = _get(key, _ttl, value)
        case "max_lease_ttl":
            settings["max_lease_ttl"] = _get(key, _ttl, value)
        case "log_level":
            settings["log_level"] = _get(key, _log_level, value)
        case "log_format":
            settings["log_format"] = _get(key, _log_format, value)
        case "pid_file":
            settings["pid_file"] = _get(key, as_str, value)
        case "cluster_name":
            settings["cluster_name"] = _get(key, as_str, value)
        case "unsafe_allow_api_audit_creation":
            settings["unsafe_allow_api_audit_creation"] = _get(key, as_bool, value)
        case "allow_audit_log_prefixing":
            settings["allow_audit_log_prefixing"] = _get(key, as_bool, value)
        case "disable_clustering":
            settings["disable_clustering"] = _get(key, as_bool, value)
        case _:
            raise ValueError(f'unknown configuration key "{key}"')


def _get(key: str, coerce: Callable[[object], T], value: object) -> T:
    try:
        return coerce(value)
    except ValueError as exc:
        raise ValueError(f"{key} {exc}") from None


def _ttl(value: object) -> int:
    seconds = as_duration(value)
    if seconds < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return int(seconds)  # whole seconds, as Vault reports TTLs


def _log_level(value: object) -> str:
    level = LOG_LEVELS.get(as_str(value).strip().lower())
    if level is None:
        raise ValueError(f"must be one of trace, debug, info, warn, error; got {value!r}")
    return level


def _log_format(value: object) -> str:
    text = as_str(value).strip().lower()
    if text not in LOG_FORMATS:
        raise ValueError(f"must be standard or json, got {value!r}")
    return text


def _error(source: str, problem: str) -> ConfigError:
    """One line, in the words Vault uses: "error loading configuration from X: ..."."""
    return ConfigError(
        f"error loading configuration from {source}: " + " ".join(problem.splitlines())
    )
