"""scripts/bench's audit-overhead pieces: the overhead lines next to the baseline
scenario, and the device's entry counting and truncation."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from bench_lib import audit  # noqa: E402
from bench_lib.report import Row, overhead_line, overheads  # noqa: E402
from bench_lib.scenarios import SCENARIOS  # noqa: E402


def _row(scenario: str, server: str, rps: float, cpu: float) -> Row:
    return Row(scenario=scenario, mode="dev", server=server, kind="pyvault", rounds=1,
               requests=100, rps=rps, p50_ms=1.0, p99_ms=2.0, non2xx=0, s5xx=0,
               socket_errors=0, cpu_us_per_req=cpu, peak_rss_mib=50.0, wrk_core_pct=10.0,
               foreign_cpu_pct=0.0)


def test_audit_scenario_is_the_kv_read_with_a_device() -> None:
    scenario = SCENARIOS["kv-read-audit"]
    assert scenario.audit and scenario.baseline == "kv-read"
    names = list(SCENARIOS)
    assert names.index("kv-read-audit") == names.index("kv-read") + 1  # next to it


def test_overhead_compares_each_server_with_its_own_baseline() -> None:
    rows = [_row("kv-read", "pyvault-dev", 5000, 200), _row("kv-read-audit", "pyvault-dev",
                                                            4000, 250),
            _row("kv-read-audit", "reference-dev", 1000, 700)]  # no baseline: no line
    found = overheads(rows)
    assert [(o["server"], o["rps_change_pct"], o["cpu_change_pct"]) for o in found] == [
        ("pyvault-dev", -20.0, 25.0)]
    assert overhead_line(found[0]) == (
        "kv-read-audit vs kv-read on pyvault-dev: req/s 5,000 → 4,000 (-20%), "
        "CPU µs/req 200 → 250 (+25%), p99 ms 2.00 → 2.00")


def test_device_counts_entries_then_truncates(tmp_path: Path) -> None:
    device = audit.AuditDevice(port=1, root="root", folder=tmp_path)
    device.file.write_bytes(b'{"type":"request"}\n{"type":"response"}\n')
    device.drain(None)  # a warm-up: not counted
    assert device.written.entries == 0 and device.file.read_bytes() == b""
    device.file.write_bytes(b"a\nb\nc\nd\n")
    device.drain(2)
    assert (device.written.entries, device.written.requests) == (4, 2)
    assert device.file.stat().st_size == 0
    assert "2.00 entries" in audit.summary("pyvault-dev", "kv-read-audit", device.written)
    device.disable()  # never enabled: only the file goes
    assert not device.file.exists()
