"""Vault's vault.audit.log_request_failure / log_response_failure, apart."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from pyvault.metrics.registry import Metrics, StateReading
from pyvault.metrics.render import render


def test_request_and_response_failures_are_separate_samples() -> None:
    metrics = Metrics(disable_hostname=True)
    metrics.watch_state(lambda: StateReading(
        unsealed=True, tokens=0, leases=0, audit_failures=5, in_flight=0,
        audit_request_failures=2, audit_response_failures=3))
    body, _ = render(metrics, "prometheus", 0.0)
    samples = {s.name: s.value for f in text_string_to_metric_families(body.decode())
               for s in f.samples}
    assert samples["vault_audit_log_request_failure"] == 2
    assert samples["vault_audit_log_response_failure"] == 3
    json_body, _ = render(metrics, "", 0.0)
    assert b"vault.audit.log_request_failure" in json_body
