"""sys/metrics output: Prometheus text exposition, or Vault's JSON (go-metrics'
in-memory sink layout: ``Timestamp``, ``Gauges``, ``Points``, ``Counters``,
``Samples``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pyvault.metrics.registry import Metrics

PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_LATEST


def prometheus_text(metrics: Metrics) -> bytes:
    return generate_latest(metrics.registry)


def _dotted(name: str) -> str:
    return name.replace("_", ".", 2) if name.startswith("vault_") else name


def json_summary(metrics: Metrics, now: float) -> dict[str, Any]:
    gauges: list[dict[str, Any]] = []
    counters: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    for family in metrics.registry.collect():
        name = _dotted(family.name)
        if family.type == "gauge":
            gauges.extend({"Name": name, "Value": s.value, "Labels": dict(s.labels)}
                          for s in family.samples)
        elif family.type == "counter":
            counters.extend(_stat(name, s.value, s.value, s.labels)
                            for s in family.samples if s.name.endswith("_total"))
        elif family.type == "histogram":
            sums = {tuple(sorted(s.labels.items())): s.value
                    for s in family.samples if s.name.endswith("_sum")}
            for s in family.samples:
                if s.name.endswith("_count"):
                    key = tuple(sorted(s.labels.items()))
                    samples.append(_stat(name, s.value, sums.get(key, 0.0), s.labels))
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
    return {"Timestamp": stamp, "Gauges": gauges, "Points": [], "Counters": counters,
            "Samples": samples}


def _stat(name: str, count: float, total: float, labels: dict[str, str]) -> dict[str, Any]:
    mean = total / count if count else 0.0
    return {"Name": name, "Count": int(count), "Sum": total, "Mean": mean,
            "Labels": dict(labels)}


class UnknownFormat(ValueError):
    """``format`` is neither ``prometheus`` nor JSON (empty)."""


class PrometheusDisabled(ValueError):
    """``prometheus_retention_time`` is 0 in the telemetry block."""


def render(metrics: Metrics, fmt: str, now: float) -> tuple[bytes, str]:
    """The body and content type of a sys/metrics answer."""
    if fmt == "prometheus":
        if not metrics.prometheus_enabled:
            raise PrometheusDisabled("prometheus is not enabled")
        return prometheus_text(metrics), PROMETHEUS_CONTENT_TYPE
    if fmt not in ("", "json"):
        raise UnknownFormat(f'metric response format "{fmt}" unknown')
    return json.dumps(json_summary(metrics, now)).encode(), "application/json"
