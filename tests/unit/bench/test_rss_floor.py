"""scripts/rss-floor: each layer is measured in a fresh interpreter, and a bench
JSON yields one third of the reference's peak RSS per scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from bench_lib import floor  # noqa: E402


def test_a_layer_reports_its_own_resident_memory() -> None:
    bare = floor.layer("")
    with_asyncio = floor.layer("import asyncio")
    rss, anon, file = bare
    assert rss > 0 and anon > 0 and file > 0 and anon + file <= rss + 1
    assert with_asyncio[0] > rss  # importing more is never free


def test_thirds_of_the_reference_peak(capsys: pytest.CaptureFixture[str]) -> None:
    floor.print_thirds({"summary": [
        {"scenario": "kv-read", "server": "reference-dev", "peak_rss_mib": 127.0},
        {"scenario": "kv-read", "server": "pyvault-dev", "peak_rss_mib": 65.0},
    ]})
    out = capsys.readouterr().out
    assert "kv-read" in out and "42.3 MiB" in out and "pyvault-dev" not in out
