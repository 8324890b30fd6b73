"""Parsing and validating mount requests (shared by sys/mounts and sys/auth)."""

from __future__ import annotations

from typing import Any

from pyvault.framework.fields import CoercionError, parse_bool, parse_string_slice
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.mount_entry import LIST_CONFIG_KEYS, STRING_CONFIG_KEYS, MountEntry
from pyvault.util.durations import parse_duration

PROTECTED = ("sys/", "auth/", "cubbyhole/", "identity/")


def normalize(path: str) -> str:
    path = path.strip().strip("/")
    return f"{path}/" if path else ""


def go_duration_error(value: Any) -> str:
    return f'time: invalid duration "{value}"'


def ttl(value: Any) -> int:
    """A TTL given as seconds or a duration string; raises ValueError with Go's text."""
    if isinstance(value, bool):
        raise ValueError(go_duration_error(value))
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    if text in ("", "system"):
        return 0
    try:
        return int(parse_duration(text))
    except ValueError:
        raise ValueError(go_duration_error(value)) from None


def apply_config(entry: MountEntry, config: dict[str, Any]) -> None:
    """The ``config`` map of a mount-enable request, with Vault's checks."""
    if "default_lease_ttl" in config:
        try:
            entry.default_lease_ttl = ttl(config["default_lease_ttl"])
        except ValueError as exc:
            raise InvalidRequest(
                f"unable to parse default TTL of {config['default_lease_ttl']}: {exc}"
            ) from None
    if "max_lease_ttl" in config:
        try:
            entry.max_lease_ttl = ttl(config["max_lease_ttl"])
        except ValueError as exc:
            raise InvalidRequest(
                f"unable to parse max TTL of {config['max_lease_ttl']}: {exc}"
            ) from None
    if entry.max_lease_ttl and entry.default_lease_ttl > entry.max_lease_ttl:
        raise InvalidRequest("given default lease TTL greater than given max lease TTL")
    if "force_no_cache" in config:
        entry.force_no_cache = boolean("force_no_cache", config["force_no_cache"])
    apply_extra(entry, config)


def apply_extra(entry: MountEntry, config: dict[str, Any]) -> None:
    for key in LIST_CONFIG_KEYS:
        if key in config:
            values = string_list(key, config[key])
            if values:
                entry.extra_config[key] = values
            else:
                entry.extra_config.pop(key, None)
    for key in STRING_CONFIG_KEYS:
        if key in config and config[key] is not None:
            value = str(config[key])
            if key == "listing_visibility" and value not in ("", "unauth", "hidden"):
                raise InvalidRequest("invalid listing_visibility " + value)
            if key == "token_type" and value not in (
                "", "default-service", "default-batch", "service", "batch"
            ):
                raise InvalidRequest(f"invalid value for 'token_type': {value}")
            if value:
                entry.extra_config[key] = value
            else:
                entry.extra_config.pop(key, None)


def boolean(name: str, value: Any) -> bool:
    try:
        return parse_bool(value)
    except CoercionError:
        raise InvalidRequest(f"invalid value for {name!r}: {value}") from None


def string_list(name: str, value: Any) -> list[str]:
    try:
        return parse_string_slice(value, comma=True)
    except CoercionError:
        raise InvalidRequest(f"invalid value for {name!r}") from None


def string_map(name: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"invalid value for {name!r}: expected a map")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}
