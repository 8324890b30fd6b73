"""The telemetry block and the listener's telemetry block (moved here from the
config suite's "ignored keys" list once pyvault started to use them)."""

from __future__ import annotations

import pytest

from pyvault.config.model import ConfigError
from pyvault.config.parse import parse_config

LISTENER = 'listener "tcp" {\n address = "127.0.0.1:8200"\n tls_disable = true\n%s}\n'


def test_no_block_means_prometheus_off() -> None:
    config = parse_config(LISTENER % "", "x.hcl")
    assert config.prometheus_retention_time == 0
    assert config.listeners[0].unauthenticated_metrics_access is False


def test_block_defaults_to_24h_and_ignores_other_sinks() -> None:
    text = 'telemetry {\n statsite_address = "127.0.0.1:8125"\n disable_hostname = true\n}\n'
    config = parse_config(text, "x.hcl")
    assert config.prometheus_retention_time == 24 * 3600
    assert config.disable_hostname is True


def test_retention_and_listener_access() -> None:
    text = ('telemetry {\n prometheus_retention_time = "30s"\n}\n'
            + LISTENER % " telemetry {\n  unauthenticated_metrics_access = true\n }\n")
    config = parse_config(text, "x.hcl")
    assert config.prometheus_retention_time == 30
    assert config.listeners[0].unauthenticated_metrics_access is True


def test_audit_switches() -> None:
    config = parse_config(
        "unsafe_allow_api_audit_creation = true\nallow_audit_log_prefixing = true\n", "x.hcl")
    assert config.unsafe_allow_api_audit_creation and config.allow_audit_log_prefixing


@pytest.mark.parametrize("text", [
    'telemetry {\n disable_hostname = "maybe"\n}\n',
    'telemetry {\n prometheus_retention_time = "soon"\n}\n',
    LISTENER % " telemetry {\n  unauthenticated_metrics_access = 3\n }\n",
])
def test_bad_values_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_config(text, "x.hcl")
