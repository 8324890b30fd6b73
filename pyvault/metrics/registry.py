"""The metrics a server keeps, in one prometheus-client registry per server (no
module-level default registry: two servers in one process stay apart).

Names follow Vault's telemetry (``vault.core.handle_request``,
``vault.audit.log_request_failure``, ``vault.core.unsealed``…) with dots as
underscores, as Vault's own Prometheus sink writes them.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

DEFAULT_RETENTION = 24 * 3600  # Vault's prometheus_retention_time default


@dataclass(frozen=True, slots=True)
class StateReading:
    """Values read from the core at scrape time (cheap, in-memory counts)."""

    unsealed: bool
    tokens: int
    leases: int
    audit_failures: int
    in_flight: int
    # Requests whose request (response) entry no device took: Vault's counters.
    audit_request_failures: int = 0
    audit_response_failures: int = 0


class _StateCollector(Collector):
    def __init__(self, read: Callable[[], StateReading], labels: dict[str, str]) -> None:
        self._read = read
        self._labels = labels

    def collect(self) -> Iterable[Metric]:
        state = self._read()
        names = list(self._labels)
        values = list(self._labels.values())
        for name, doc, value in (
            ("vault_core_unsealed", "1 when the server is unsealed", int(state.unsealed)),
            ("vault_token_count", "Service tokens in the token store", state.tokens),
            ("vault_expire_num_leases", "Leases the expiration manager tracks", state.leases),
            ("vault_audit_log_failures", "Audit entries a device refused", state.audit_failures),
            ("vault_core_in_flight_requests", "Requests being handled", state.in_flight),
            # Counters in Vault; gauges here so the sample names are Vault's exactly
            # (prometheus-client would append _total to a counter's).
            ("vault_audit_log_request_failure", "Requests whose request entry no audit "
             "device accepted", state.audit_request_failures),
            ("vault_audit_log_response_failure", "Requests whose response entry no audit "
             "device accepted", state.audit_response_failures),
        ):
            family = GaugeMetricFamily(name, doc, labels=names)
            family.add_metric(values, value)
            yield family


class Metrics:
    def __init__(
        self, *, retention: int = DEFAULT_RETENTION, disable_hostname: bool = False
    ) -> None:
        self.retention = retention
        self.registry = CollectorRegistry(auto_describe=False)
        self.base_labels = {} if disable_hostname else {"host": socket.gethostname()}
        labels = ["mount_type", "operation"]
        self._requests = Counter(
            "vault_core_handle_requests", "Requests handled, by mount type and operation",
            labels, registry=self.registry)
        self._latency = Histogram(
            "vault_core_handle_request", "Request latency in seconds",
            labels, registry=self.registry)
        self._storage = Histogram(
            "vault_storage_operation", "Physical storage operation latency in seconds",
            ["op"], registry=self.registry)
        self._in_flight = Gauge(
            "vault_http_in_flight_requests", "HTTP requests in progress",
            registry=self.registry)
        self._state: _StateCollector | None = None

    @property
    def prometheus_enabled(self) -> bool:
        return self.retention > 0

    def watch_state(self, read: Callable[[], StateReading]) -> None:
        """Register the scrape-time reader of the core's state (once)."""
        if self._state is None:
            self._state = _StateCollector(read, self.base_labels)
            self.registry.register(self._state)

    def observe_request(self, mount_type: str, operation: str, seconds: float) -> None:
        self._requests.labels(mount_type, operation).inc()
        self._latency.labels(mount_type, operation).observe(seconds)

    def observe_storage(self, op: str, seconds: float) -> None:
        self._storage.labels(op).observe(seconds)

    def request_started(self) -> None:
        self._in_flight.inc()

    def request_finished(self) -> None:
        self._in_flight.dec()
