"""A file audit device for the scenarios that measure audit overhead.

Both servers refuse API-created audit devices unless their config sets
``unsafe_allow_api_audit_creation = true`` (OpenBao's rule, pyvault's too), so every
bench server starts with that switch (``servers.AUDIT_HCL``); with no device enabled it changes
nothing on the measured path. The device is enabled over the API, with the root token,
when an audit scenario begins and disabled (its file removed) when it ends, so the other
scenarios run without it. The file is a real file in the server's work folder: after
every run its entries are counted (two per request: request and response) and it is
truncated, so a long run does not fill the disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench_lib.client import Client
from bench_lib.prepare import Missing, need

DEVICE = "bench-audit"  # the device's path under sys/audit/
CHUNK = 1 << 20


@dataclass
class Written:
    """What the device wrote during the runs of one scenario on one server."""

    entries: int = 0
    bytes: int = 0
    requests: int = 0  # completed requests that wrk counted over the same runs


class AuditDevice:
    """One server's file device for the length of one scenario."""

    def __init__(self, port: int, root: str, folder: Path) -> None:
        self.client = Client(port, root)
        self.file = folder / "bench-audit.log"
        self.written = Written()
        self.enabled = False

    def enable(self) -> None:
        self.file.unlink(missing_ok=True)
        need(self.client.request("PUT", f"sys/audit/{DEVICE}",
                                 {"type": "file", "options": {"file_path": str(self.file)}}),
             f"PUT sys/audit/{DEVICE}")
        self.enabled = True

    def check_writing(self) -> None:
        """After the probe requests: the device must have written their entries."""
        if count_lines(self.file)[0] == 0:
            raise Missing(f"audit device wrote nothing to {self.file}")

    def drain(self, requests: int | None) -> None:
        """Count the entries of the run that just ended (not for a warm-up: None),
        then truncate the file."""
        if requests is not None:
            lines, size = count_lines(self.file)
            self.written.entries += lines
            self.written.bytes += size
            self.written.requests += requests
        if self.file.exists():
            os.truncate(self.file, 0)  # the device appends: its next write lands at 0

    def disable(self) -> None:
        try:
            if self.enabled:
                need(self.client.request("DELETE", f"sys/audit/{DEVICE}"),
                     f"DELETE sys/audit/{DEVICE}")
                self.enabled = False
        finally:
            self.client.close()
            self.file.unlink(missing_ok=True)


def count_lines(path: Path) -> tuple[int, int]:
    """Lines (entries) and bytes in the file; (0, 0) if it does not exist."""
    lines = size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                lines += chunk.count(b"\n")
                size += len(chunk)
    except FileNotFoundError:
        return 0, 0
    return lines, size


def summary(server: str, scenario: str, written: Written) -> str:
    """One note line: entries per request shows every request was logged."""
    if not written.requests:
        return f"{scenario} on {server}: audit file had {written.entries} entries"
    return (f"{scenario} on {server}: the audit device wrote "
            f"{written.entries / written.requests:.2f} entries and "
            f"{written.bytes / written.requests:,.0f} B per request "
            f"({written.entries:,} entries over {written.requests:,} requests)")
