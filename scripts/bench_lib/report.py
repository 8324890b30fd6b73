"""Rounds → one row per (scenario, server): medians, sums, ratios, flags; table and JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench_lib.scenarios import SCENARIOS
from bench_lib.servers import TARGETS
from bench_lib.wrk import Measurement

NON2XX_LIMIT = 0.01  # a run with more than 1 % non-2xx answers is flagged
WRK_BUSY = 90.0  # % of its core: above this, wrk may be the bottleneck
FOREIGN_BUSY = 15.0  # % of one core used by other processes: numbers are noisy


@dataclass
class Row:
    scenario: str
    mode: str
    server: str
    kind: str
    rounds: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    s5xx: int
    socket_errors: int
    cpu_us_per_req: float
    peak_rss_mib: float
    wrk_core_pct: float
    foreign_cpu_pct: float
    ratio_rps: float | None = None
    ratio_p99: float | None = None
    ratio_rss: float | None = None
    target: str = ""
    flags: list[str] = field(default_factory=list)
    first_error: str = ""


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def aggregate(measurements: list[Measurement]) -> list[Row]:
    kinds = {t.name: t for t in TARGETS}
    groups: dict[tuple[str, str], list[Measurement]] = {}
    for m in measurements:
        groups.setdefault((m.scenario, m.server), []).append(m)
    rows: list[Row] = []
    for (scenario, server), runs in groups.items():
        spec = kinds[server]
        row = Row(
            scenario=scenario, mode=spec.mode, server=server, kind=spec.kind, rounds=len(runs),
            requests=sum(m.requests for m in runs), rps=round(median([m.rps for m in runs]), 1),
            p50_ms=round(median([m.p50_us for m in runs]) / 1000, 3),
            p99_ms=round(median([m.p99_us for m in runs]) / 1000, 3),
            non2xx=sum(m.non2xx for m in runs), s5xx=sum(m.s5xx for m in runs),
            socket_errors=sum(m.socket_errors for m in runs),
            cpu_us_per_req=round(median([m.cpu_us_per_req for m in runs]), 1),
            peak_rss_mib=round(max(m.peak_rss_kib for m in runs) / 1024, 1),
            wrk_core_pct=max(m.wrk_core_pct for m in runs),
            foreign_cpu_pct=max(m.foreign_cpu_pct for m in runs),
            first_error=next((m.first_error for m in runs if m.first_error), ""),
        )
        flag(row, runs)
        rows.append(row)
    compare(rows)
    order = {name: i for i, name in enumerate(SCENARIOS)}
    modes = {"dev": 0, "durable": 1}
    rows.sort(key=lambda r: (modes[r.mode], order.get(r.scenario, 99), r.kind != "reference"))
    return rows


def flag(row: Row, runs: list[Measurement]) -> None:
    if any(m.requests and m.non2xx / m.requests > NON2XX_LIMIT for m in runs):
        row.flags.append("FLAG >1% non-2xx")
    if row.s5xx:
        row.flags.append(f"{row.s5xx} 5xx")
    if row.socket_errors:
        row.flags.append(f"{row.socket_errors} socket errors")
    if row.wrk_core_pct > WRK_BUSY:
        row.flags.append(f"wrk {row.wrk_core_pct:.0f}% busy")
    if row.foreign_cpu_pct > FOREIGN_BUSY:
        row.flags.append(f"other load {row.foreign_cpu_pct:.0f}%")


def compare(rows: list[Row]) -> None:
    reference = {(r.scenario, r.mode): r for r in rows if r.kind == "reference"}
    for row in rows:
        ref = reference.get((row.scenario, row.mode))
        if row.kind != "pyvault" or ref is None:
            continue
        row.ratio_rps = round(row.rps / ref.rps, 2) if ref.rps else None
        row.ratio_p99 = round(row.p99_ms / ref.p99_ms, 2) if ref.p99_ms else None
        row.ratio_rss = round(row.peak_rss_mib / ref.peak_rss_mib, 2) if ref.peak_rss_mib else None
        scenario = SCENARIOS.get(row.scenario)
        if scenario and scenario.target and row.mode in scenario.target_modes and row.ratio_rps:
            met = row.ratio_rps >= scenario.target and (row.ratio_p99 or 0) <= 1.0
            row.target = f"≥{scenario.target:g}x {'met' if met else 'missed'}"


def overheads(rows: list[Row]) -> list[dict[str, Any]]:
    """A scenario with a baseline (kv-read-audit: kv-read) against that baseline, per
    server: what turning the feature on costs each server, e.g. audit on vs off."""
    by_key = {(r.scenario, r.server): r for r in rows}
    out: list[dict[str, Any]] = []
    for row in rows:
        scenario = SCENARIOS.get(row.scenario)
        baseline = scenario.baseline if scenario else None
        base = by_key.get((baseline, row.server)) if baseline else None
        if base is None or not base.rps or not base.cpu_us_per_req:
            continue
        out.append({"scenario": row.scenario, "baseline": base.scenario, "server": row.server,
                    "rps": [base.rps, row.rps], "p99_ms": [base.p99_ms, row.p99_ms],
                    "cpu_us_per_req": [base.cpu_us_per_req, row.cpu_us_per_req],
                    "rps_change_pct": round(100 * (row.rps / base.rps - 1), 1),
                    "cpu_change_pct": round(100 * (row.cpu_us_per_req / base.cpu_us_per_req - 1),
                                            1)})
    return out


def overhead_line(o: dict[str, Any]) -> str:
    (rps0, rps1), (cpu0, cpu1), (p0, p1) = o["rps"], o["cpu_us_per_req"], o["p99_ms"]
    return (f"{o['scenario']} vs {o['baseline']} on {o['server']}: "
            f"req/s {rps0:,.0f} → {rps1:,.0f} ({o['rps_change_pct']:+.0f}%), "
            f"CPU µs/req {cpu0:.0f} → {cpu1:.0f} ({o['cpu_change_pct']:+.0f}%), "
            f"p99 ms {p0:.2f} → {p1:.2f}")


COLUMNS = ("scenario", "server", "req/s", "p50 ms", "p99 ms", "non-2xx", "CPU µs/req",
           "RSS MiB", "rps ratio", "p99 ratio", "RSS ratio", "target · flags")


def cells(row: Row) -> list[str]:
    def ratio(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    return [row.scenario, row.server, f"{row.rps:,.0f}", f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}", str(row.non2xx), f"{row.cpu_us_per_req:.0f}",
            f"{row.peak_rss_mib:.0f}", ratio(row.ratio_rps), ratio(row.ratio_p99),
            ratio(row.ratio_rss), " · ".join([t for t in [row.target] if t] + row.flags)]


def table(rows: list[Row]) -> str:
    body = [list(COLUMNS)] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS))]
    left = {0, 1, len(COLUMNS) - 1}

    def fmt(line: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(line, widths, strict=True))).rstrip()

    out = [fmt(body[0]), fmt(["-" * w for w in widths])]
    previous: tuple[str, str] | None = None
    for row, line in zip(rows, body[1:], strict=True):
        if previous is not None and previous[0] != row.mode:
            out.append("")
        if previous == (row.mode, row.scenario):
            line = ["", *line[1:]]
        out.append(fmt(line))
        previous = (row.mode, row.scenario)
    return "\n".join(out)


def write_json(path: Path, payload: dict[str, Any], rows: list[Row],
               measurements: list[Measurement]) -> None:
    payload = {**payload, "summary": [asdict(r) for r in rows],
               "runs": [asdict(m) for m in measurements]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
