"""scripts/bench options, the run, the closing table and the JSON file."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

from bench_lib import profile
from bench_lib.progress import Progress, clock
from bench_lib.report import aggregate, overhead_line, overheads, table, write_json
from bench_lib.runner import Plan, Results, run_plan
from bench_lib.scenarios import SCENARIOS
from bench_lib.servers import ALIASES, ROOT, TARGETS
from bench_lib.wrk import Load

SERVER_CORE, LOAD_CORE = 0, 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = ", ".join(SCENARIOS)
    servers = ", ".join([t.name for t in TARGETS] + list(ALIASES))
    p = argparse.ArgumentParser(
        prog="scripts/bench", description="pyvault against the reference OpenBao server "
        "(A B A B rounds, server on core 0, wrk on core 1). See docs/bench.md.")
    p.add_argument("--quick", action="store_true", help="1 round x 3 s, 1 s warm-up: a smoke run")
    p.add_argument("--scenarios", help=f"comma-separated, default all: {names}")
    p.add_argument("--servers", default="all", help=f"comma-separated: {servers}")
    p.add_argument("--duration", type=int, help="seconds per measured run (10)")
    p.add_argument("--rounds", type=int, help="A B rounds per scenario (3)")
    p.add_argument("--warmup", type=int, help="unmeasured seconds per server and scenario (3)")
    p.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (1: wrk has one core)")
    p.add_argument("--secrets", type=int, default=1000, help="KV secrets k0..kN-1 (1000)")
    p.add_argument("--token", choices=("policy", "root"), default="policy",
                   help="the load's token: one holding policy bench (default), or root")
    p.add_argument("--profile", action="store_true",
                   help="after each scenario, one more unmeasured run of pyvault under py-spy")
    p.add_argument("--out", type=Path, default=ROOT / "bench-results", help="results folder")
    args = p.parse_args(argv)
    args.duration = args.duration or (3 if args.quick else 10)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    chosen = [s.strip() for s in (args.scenarios or ",".join(SCENARIOS)).split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenario(s) {', '.join(unknown)}; known: {names}")
    args.scenarios = chosen
    wanted: set[str] = set()
    for name in (s.strip() for s in args.servers.split(",") if s.strip()):
        if name not in ALIASES and name not in {t.name for t in TARGETS}:
            p.error(f"unknown server {name!r}; known: {servers}")
        wanted.update(ALIASES.get(name, (name,)))
    args.servers = [t for t in TARGETS if t.name in wanted]
    if min(args.duration, args.rounds, args.connections, args.threads, args.secrets) < 1:
        p.error("--duration, --rounds, --connections, --threads and --secrets must be >= 1")
    return args


def tool_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


def environment() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as handle:
        model = next((line.split(":", 1)[1].strip() for line in handle
                      if line.startswith("model name")), "")
    dirty = tool_version(["git", "-C", str(ROOT), "status", "--porcelain", "--", "pyvault"])
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "wrk": tool_version(["wrk", "--version"]),
            "pyvault_commit": tool_version(["git", "-C", str(ROOT), "rev-parse", "--short",
                                            "HEAD"]) + ("+local changes" if dirty else "")}


def ensure_py_spy() -> None:
    if not profile.py_spy().exists():
        print("==> installing py-spy into the venv (for --profile)", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "py-spy"], check=True)


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (os.cpu_count() or 1) < 2:
        print("warning: fewer than 2 cores: server and wrk share core 0", file=sys.stderr)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"{tool} not found (scripts/bench installs it)", file=sys.stderr)
            return 1
    if args.profile:
        ensure_py_spy()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="pyvault-bench-"))
    load_core = LOAD_CORE if (os.cpu_count() or 1) > 1 else SERVER_CORE
    plan = Plan(
        targets=args.servers, scenarios=[SCENARIOS[s] for s in args.scenarios],
        rounds=args.rounds, warmup=args.warmup,
        load=Load(args.duration, args.connections, args.threads, load_core),
        secrets=args.secrets, server_core=SERVER_CORE, workdir=workdir,
        profile_dir=(args.out / f"{stamp}-profile") if args.profile else None,
        token=args.token,
    )
    if plan.profile_dir is not None:
        plan.profile_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, on_sigterm)
    env = environment()
    print(f"==> pyvault bench: {', '.join(t.name for t in plan.targets)}; "
          f"{len(plan.scenarios)} scenario(s) x {plan.rounds} round(s) x {plan.load.duration} s, "
          f"{plan.warmup} s warm-up, wrk -t{plan.load.threads} -c{plan.load.connections}; "
          f"server on core {SERVER_CORE}, wrk on core {load_core}; "
          f"~{clock(plan.planned_seconds())} of load", flush=True)
    started = time.time()
    results = Results()
    try:
        results = run_plan(plan, Progress(plan.planned_seconds()))
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped; partial results follow", flush=True)
    rows = aggregate(results.measurements)
    print()
    print(table(rows) if rows else "no scenario ran")
    overhead = overheads(rows)
    for line in overhead:
        print(overhead_line(line))
    for skip in results.skipped:
        print(f"skipped: {skip['scenario']} ({skip['mode']}): {skip['why']}")
    for note in results.notes:
        print(f"note: {note}")
    for row in rows:
        if row.first_error and row.flags:
            print(f"first non-2xx of {row.scenario} on {row.server}: {row.first_error[:200]}")
    if rows:
        print(f"load generator: wrk used at most {max(r.wrk_core_pct for r in rows):.0f}% of "
              f"its core; other processes at most {max(r.foreign_cpu_pct for r in rows):.0f}% "
              "of a core during a run")
    for prof in results.profiles:
        print(f"profile: {prof['scenario']} on {prof['server']}: {prof.get('file') or prof}")
    out = args.out / f"{stamp}.json"
    payload = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1), "environment": env,
        "config": {"scenarios": args.scenarios, "servers": [t.name for t in plan.targets],
                   "rounds": plan.rounds, "duration_s": plan.load.duration,
                   "warmup_s": plan.warmup, "connections": plan.load.connections,
                   "wrk_threads": plan.load.threads, "secrets": plan.secrets,
                   "token": plan.token,
                   "server_core": SERVER_CORE, "wrk_core": load_core},
        "servers": results.servers, "skipped": results.skipped, "notes": results.notes,
        "profiles": results.profiles, "overhead": overhead, "audit": results.audit,
    }
    write_json(out, payload, rows, results.measurements)
    print(f"results: {out}")
    if results.failed:
        print(f"server logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
