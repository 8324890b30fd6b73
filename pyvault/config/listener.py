"""``listener "tcp" { ... }`` blocks → ListenerConfig, checked the way Vault checks them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from typing import Any

from pyvault.config.model import (
    DEFAULT_MAX_REQUEST_DURATION,
    DEFAULT_MAX_REQUEST_SIZE,
    UNLIMITED_REQUEST_SIZE,
    ListenerConfig,
)
from pyvault.config.values import as_bool, as_duration, as_int, as_str, describe

__all__ = ["listener_blocks", "parse_listener"]

TLS_VERSIONS = ("tls10", "tls11", "tls12", "tls13")

# Vault options that mean nothing without Vault clustering; accepted so that
# a Vault listener block works unchanged.
_IGNORED = frozenset({"cluster_address"})

_COERCE: dict[str, Callable[[object], object]] = {
    "address": as_str,
    "tls_disable": as_bool,
    "tls_cert_file": as_str,
    "tls_key_file": as_str,
    "tls_min_version": as_str,
    "tls_client_ca_file": as_str,
    "tls_require_and_verify_client_cert": as_bool,
    "max_request_size": as_int,
    "max_request_duration": as_duration,
    "disable_unauthed_rekey_endpoints": as_bool,
    "disable_unauthed_generate_root_endpoints": as_bool,
}
# These two come from nested blocks (telemetry, inflight_requests_logging) instead.
_NESTED = {"telemetry": "unauthenticated_metrics_access",
           "inflight_requests_logging": "unauthenticated_in_flight_requests_access"}
assert set(_COERCE) == {f.name for f in fields(ListenerConfig)} - {"type", *_NESTED.values()}


def listener_blocks(value: object) -> Iterator[tuple[str, object]]:
    """Yield (type, body) for every block in the shapes HCL and JSON give.

    ``{"tcp": {...}}``, ``{"tcp": [{...}, {...}]}`` and ``[{"tcp": {...}}, ...]``.
    """
    if isinstance(value, list):
        for element in value:
            if not isinstance(element, dict):
                raise ValueError(
                    f'listener must be a block like listener "tcp" {{ ... }}, '
                    f"got {describe(element)}"
                )
            yield from listener_blocks(element)
        return
    if not isinstance(value, dict) or not value:
        raise ValueError(
            f'listener must be a block like listener "tcp" {{ ... }}, got {describe(value)}'
        )
    for kind, body in value.items():
        if isinstance(body, list):
            for one in body:
                yield str(kind), one
        else:
            yield str(kind), body


def parse_listener(kind: str, body: object) -> ListenerConfig:
    """Build one listener; raise ValueError naming the offending option."""
    if kind != "tcp":
        raise ValueError('this listener type is not supported (only "tcp")')
    if not isinstance(body, dict):
        raise ValueError(f"must be a block, got {describe(body)}")
    options: dict[str, Any] = {}
    for key, raw in body.items():
        if key in _IGNORED:
            continue
        if key in _NESTED:
            options[_NESTED[key]] = _nested_switch(key, _NESTED[key], raw)
            continue
        coerce = _COERCE.get(key)
        if coerce is None:
            raise ValueError(f'unknown option "{key}"')
        try:
            options[key] = coerce(raw)
        except ValueError as exc:
            raise ValueError(f"{key} {exc}") from None
    return _checked(ListenerConfig(**options))


def _nested_switch(block_name: str, option: str, raw: object) -> bool:
    """A listener sub-block holding one switch that matters to pyvault: ``telemetry``
    (``unauthenticated_metrics_access``) or ``inflight_requests_logging``
    (``unauthenticated_in_flight_requests_access``); other keys are ignored."""
    blocks = raw if isinstance(raw, list) else [raw]
    allowed = False
    for block in blocks:
        if not isinstance(block, dict):
            raise ValueError(f"{block_name} must be a block, got {describe(block)}")
        if option in block:
            try:
                allowed = as_bool(block[option])
            except ValueError as exc:
                raise ValueError(f"{block_name}.{option} {exc}") from None
    return allowed


def _checked(listener: ListenerConfig) -> ListenerConfig:
    """Apply Vault's defaults for 0 and the checks it makes at start-up."""
    _check_address(listener.address)
    size = listener.max_request_size
    if size == 0:
        size = DEFAULT_MAX_REQUEST_SIZE
    elif size < 0:
        size = UNLIMITED_REQUEST_SIZE
    duration = listener.max_request_duration
    if duration < 0:
        raise ValueError(f"max_request_duration must not be negative, got {duration:g}s")
    if duration == 0:
        duration = DEFAULT_MAX_REQUEST_DURATION
    if listener.tls_min_version not in TLS_VERSIONS:
        raise ValueError(
            f'tls_min_version "{listener.tls_min_version}" is not one of ' + ", ".join(TLS_VERSIONS)
        )
    if not listener.tls_disable and not (listener.tls_cert_file and listener.tls_key_file):
        raise ValueError(
            "TLS is enabled but tls_cert_file and tls_key_file are not both set "
            "(set them, or set tls_disable = true)"
        )
    return replace(listener, max_request_size=size, max_request_duration=duration)


def _check_address(address: str) -> None:
    """host:port, [v6]:port or :port; binding fails later without a port."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'address "{address}" must be host:port, e.g. "127.0.0.1:8200"')
    if host.startswith("[") != host.endswith("]"):
        raise ValueError(f'address "{address}" has an unbalanced IPv6 bracket')
