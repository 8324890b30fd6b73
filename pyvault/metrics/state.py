"""Reading the core's state for the scrape-time gauges.

The counts come from in-memory structures (the expiration schedule), never from
a storage scan, so a scrape costs O(leases) at worst and no I/O. Token leases
are the schedule's ``auth/`` entries: Vault's ``vault.token.count`` counts the
same service tokens (a token without TTL, like root, has no lease and is not
counted here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pyvault.metrics.registry import StateReading
from pyvault.util.clock import rfc3339

if TYPE_CHECKING:
    from pyvault.core.core import Core


class InFlightRequest(NamedTuple):
    """Recorded per request with no formatting (kept cheap on the request path);
    ``view`` renders it only when sys/in-flight-req is read."""

    start: float
    remote: str
    port: int
    path: str
    method: str

    def view(self) -> dict[str, str]:
        return {"start_time": rfc3339(self.start),
                "client_remote_address": f"{self.remote}:{self.port}" if self.remote else "",
                "request_path": self.path, "request_method": self.method, "client_id": ""}


class CoreState:
    """Counts in-flight requests and reads the core's gauges."""

    def __init__(self, core: Core) -> None:
        self._core = core
        # request id → what sys/in-flight-req shows of it (no token, no body).
        self.requests: dict[str, InFlightRequest] = {}

    @property
    def in_flight(self) -> int:
        return len(self.requests)

    def read(self) -> StateReading:
        core = self._core
        schedule = getattr(core.expiration, "_schedule", None)
        due: dict[str, float] = getattr(schedule, "_due", {}) if not core.sealed else {}
        tokens = sum(1 for lease_id in due if lease_id.startswith("auth/"))
        return StateReading(
            unsealed=not core.sealed,
            tokens=tokens,
            leases=len(due),
            audit_failures=core.audit.failures,
            in_flight=self.in_flight,
            audit_request_failures=core.audit.request_failures,
            audit_response_failures=core.audit.response_failures,
        )
