"""The differential ACL table, live: every case of tests/vectors/acl_cases.json (112
policy sets, paths and operations, parameter constraints and wrapping TTLs, recorded
from the reference) is replayed over HTTP — policies written, a token created with
exactly those policies, sys/capabilities asked and the real requests made — and the
answers must equal the recorded ones on both servers."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from harness import REPO_ROOT, ServerProcess

VECTORS = REPO_ROOT / "tests" / "vectors" / "acl_cases.json"


def acl_diff() -> ModuleType:
    """scripts/acl-diff is the one implementation of the replay (no .py suffix)."""
    path = str(Path(REPO_ROOT) / "scripts" / "acl-diff")
    loader = importlib.machinery.SourceFileLoader("acl_diff", path)
    spec = importlib.util.spec_from_loader("acl_diff", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_every_case_answers_as_recorded(dev_server: ServerProcess) -> None:
    recorded: dict[str, Any] = json.loads(VECTORS.read_text())
    assert len(recorded["cases"]) >= 60
    module = acl_diff()
    live = module.generate(module.Reference(dev_server.addr, "root"))
    mismatches = [
        (old["name"], old, new)
        for old, new in zip(recorded["cases"], live["cases"], strict=True)
        if old != new
    ]
    assert not mismatches, mismatches[:3]
    assert live["parse_errors"] == recorded["parse_errors"]
