"""sys/metrics: the server's telemetry, as Prometheus text or Vault's JSON.

Served through the normal pipeline (token, ACL ``read`` on ``sys/metrics``,
audit); a listener with ``telemetry { unauthenticated_metrics_access = true }``
answers it before the pipeline instead (pyvault.http.app).
"""

from __future__ import annotations

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.metrics.registry import Metrics
from pyvault.metrics.render import PrometheusDisabled, UnknownFormat, render
from pyvault.util.clock import Clock

_FIELDS = {"format": Field(description="prometheus, or empty for JSON", query=True)}


class MetricsPaths:
    def __init__(self, metrics: Metrics, clock: Clock) -> None:
        self._metrics = metrics
        self._clock = clock

    def paths(self) -> list[Path]:
        return [Path(patterns=("metrics",), fields=_FIELDS, operations=ops(read=self._read),
                     synopsis="Export the server's metrics.")]

    async def _read(self, request: Request, data: FieldData) -> Response:
        fmt = data.get_str("format") or request.query.get("format", "")
        try:
            body, content_type = render(self._metrics, fmt, self._clock.now())
        except (UnknownFormat, PrometheusDisabled) as exc:
            # Vault answers these in plain text, not in an errors envelope.
            return Response(raw_body=str(exc).encode(), status=400, content_type="text/plain")
        return Response(raw_body=body, content_type=content_type)
