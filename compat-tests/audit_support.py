"""Shared helpers for the audit compat scenarios: a configured (non-dev) server with
OpenBao's audit switches, and reading a device's log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import ServerProcess

# OpenBao refuses API-created audit devices without this (so does pyvault, by default).
AUDIT_HCL = "unsafe_allow_api_audit_creation = true\nallow_audit_log_prefixing = true\n"


@contextmanager
def audit_server(kind: str, workdir: Path, extra: str = "") -> Iterator[ServerProcess]:
    """An initialised, unsealed server started from a config with the audit switches."""
    server = ServerProcess(kind=kind, workdir=workdir, extra_hcl=AUDIT_HCL + extra)
    server.start()
    try:
        server.initialize(shares=1, threshold=1)
        server.unseal()
        yield server
    finally:
        server.stop()


def read_entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def layout(value: Any) -> Any:
    """The shape of an entry: keys kept, every leaf replaced by its JSON type, so
    times, ids, hashes and mount accessors are masked. ``data`` subtrees are the
    engines' answers (compared by their own suites), so only their presence counts."""
    if isinstance(value, dict):
        return {k: "<data>" if k == "data" else layout(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [layout(v) for v in value[:1]]
    return type(value).__name__
