"""The listener's ``inflight_requests_logging`` block (Vault's spelling)."""

from __future__ import annotations

import pytest

from pyvault.config import ConfigError, parse_config


def listener(inner: str) -> str:
    return f'listener "tcp" {{\n  address = "127.0.0.1:8200"\n  tls_disable = 1\n{inner}}}\n'


def test_switch_on() -> None:
    config = parse_config(listener(
        "  inflight_requests_logging {\n"
        "    unauthenticated_in_flight_requests_access = true\n  }\n"), "s.hcl")
    assert config.listeners[0].unauthenticated_in_flight_requests_access is True
    assert config.listeners[0].unauthenticated_metrics_access is False


def test_off_by_default_and_beside_telemetry() -> None:
    assert not parse_config(listener(""), "s.hcl").listeners[0] \
        .unauthenticated_in_flight_requests_access
    both = parse_config(listener(
        '  telemetry {\n    unauthenticated_metrics_access = "true"\n  }\n'
        "  inflight_requests_logging {\n"
        "    unauthenticated_in_flight_requests_access = false\n  }\n"), "s.hcl")
    assert both.listeners[0].unauthenticated_metrics_access is True
    assert both.listeners[0].unauthenticated_in_flight_requests_access is False


def test_bad_value_names_the_option() -> None:
    with pytest.raises(ConfigError, match="inflight_requests_logging"
                       r"\.unauthenticated_in_flight_requests_access"):
        parse_config(listener(
            "  inflight_requests_logging {\n"
            '    unauthenticated_in_flight_requests_access = "maybe"\n  }\n'), "s.hcl")


def test_flat_key_is_an_unknown_option() -> None:
    """Vault reads the switch only inside the block; at the top level of the
    listener it warns "unknown or unsupported field" and ignores it. pyvault
    refuses unknown listener options, so the mistake is not silent."""
    with pytest.raises(ConfigError, match="unauthenticated_in_flight_requests_access"):
        parse_config(listener("  unauthenticated_in_flight_requests_access = true\n"), "s.hcl")
