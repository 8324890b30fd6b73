"""Metrics registry and rendering: per-server registry, Prometheus text, Vault JSON."""

from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pyvault.metrics.registry import Metrics, StateReading
from pyvault.metrics.render import PrometheusDisabled, UnknownFormat, render


def state() -> StateReading:
    return StateReading(unsealed=True, tokens=2, leases=5, audit_failures=1, in_flight=3)


def test_registries_are_per_server() -> None:
    one, two = Metrics(), Metrics()
    one.observe_request("kv", "read", 0.01)
    text = render(two, "prometheus", 0.0)[0].decode()
    assert 'mount_type="kv"' not in text


def test_prometheus_text_parses() -> None:
    metrics = Metrics(disable_hostname=True)
    metrics.watch_state(state)
    for _ in range(3):
        metrics.observe_request("kv", "read", 0.002)
    metrics.observe_storage("get", 0.001)
    body, content_type = render(metrics, "prometheus", 0.0)
    assert content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    count = [s for s in families["vault_core_handle_request"].samples
             if s.name == "vault_core_handle_request_count"]
    assert [(s.labels, s.value) for s in count] == [
        ({"mount_type": "kv", "operation": "read"}, 3.0)]
    assert families["vault_core_unsealed"].samples[0].value == 1
    assert families["vault_expire_num_leases"].samples[0].value == 5
    assert families["vault_audit_log_failures"].samples[0].value == 1
    assert "vault_storage_operation" in families


def test_hostname_label_unless_disabled() -> None:
    metrics = Metrics()
    metrics.watch_state(state)
    families = {f.name: f for f in text_string_to_metric_families(
        render(metrics, "prometheus", 0.0)[0].decode())}
    assert "host" in families["vault_core_unsealed"].samples[0].labels


def test_json_layout() -> None:
    metrics = Metrics(disable_hostname=True)
    metrics.watch_state(state)
    metrics.observe_request("kv", "update", 0.5)
    body, content_type = render(metrics, "", 1_700_000_000.0)
    assert content_type == "application/json"
    doc = json.loads(body)
    assert doc["Timestamp"] == "2023-11-14 22:13:20 +0000 UTC"
    assert {"Name": "vault.core.unsealed", "Value": 1.0, "Labels": {}} in doc["Gauges"]
    sample = next(s for s in doc["Samples"] if s["Name"] == "vault.core.handle_request")
    assert sample["Count"] == 1 and sample["Sum"] == 0.5
    counter = next(c for c in doc["Counters"] if c["Name"] == "vault.core.handle_requests")
    assert counter["Count"] == 1


def test_format_errors() -> None:
    with pytest.raises(UnknownFormat, match='metric response format "xml" unknown'):
        render(Metrics(), "xml", 0.0)
    with pytest.raises(PrometheusDisabled, match="prometheus is not enabled"):
        render(Metrics(retention=0), "prometheus", 0.0)
