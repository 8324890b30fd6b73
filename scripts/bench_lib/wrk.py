"""One wrk run against one server: wrk's numbers plus server and machine CPU from /proc."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_lib import procstat
from bench_lib.lua import RESULT_MARK

WRK_TIMEOUT = "10s"  # per request; slower answers count as timeouts
GRACE = 30.0  # wrk past its duration by this much is killed


class WrkError(RuntimeError):
    pass


@dataclass
class Load:
    duration: int  # seconds
    connections: int
    threads: int
    core: int  # where wrk runs


@dataclass
class Measurement:
    server: str
    scenario: str
    round: int  # 0 = warm-up (not counted), -1 = profiling (not counted)
    requests: int
    duration_s: float
    rps: float
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: int
    non2xx: int
    s5xx: int
    socket_errors: int
    first_error: str
    server_cpu_s: float
    cpu_us_per_req: float
    peak_rss_kib: int
    wrk_cpu_s: float
    wrk_core_pct: float  # wrk's CPU over the run, in % of its core
    foreign_cpu_pct: float  # CPU of every other process on the machine, in % of one core


def run_wrk(
    *, url: str, script: Path, load: Load, server_pid: int, server: str, scenario: str,
    round_no: int, tick: Callable[[float], None],
) -> Measurement:
    command = [*procstat.pinned(load.core), "wrk", "-t", str(load.threads),
               "-c", str(load.connections), "-d", f"{load.duration}s",
               "--timeout", WRK_TIMEOUT, "-s", str(script), url]
    with tempfile.TemporaryFile() as out:
        cpu0, cores0, t0 = (procstat.process_cpu_seconds(server_pid),
                            procstat.core_busy_seconds(), time.monotonic())
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        deadline = t0 + load.duration + GRACE
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            now = time.monotonic()
            if now > deadline:
                proc.kill()
                proc.wait()
                raise WrkError(f"wrk still running {GRACE:.0f}s past its duration: killed")
            tick(max(0.0, t0 + load.duration - now))
            time.sleep(0.25)
        cpu1, cores1, t1 = (procstat.process_cpu_seconds(server_pid),
                            procstat.core_busy_seconds(), time.monotonic())
        out.seek(0)
        text = out.read().decode(errors="replace")
    result = next((json.loads(line[len(RESULT_MARK):]) for line in text.splitlines()
                   if line.startswith(RESULT_MARK)), None)
    if proc.returncode != 0 or result is None:
        raise WrkError(f"wrk exited with {proc.returncode}:\n{text[-2000:]}")
    elapsed = t1 - t0
    server_cpu = cpu1 - cpu0
    wrk_cpu = usage.ru_utime + usage.ru_stime
    machine = sum(cores1.values()) - sum(cores0.values())
    requests = int(result["requests"])
    duration = max(int(result["duration_us"]) / 1e6, 1e-9)
    return Measurement(
        server=server, scenario=scenario, round=round_no, requests=requests,
        duration_s=round(duration, 3), rps=round(requests / duration, 1),
        p50_us=result["p50_us"], p90_us=result["p90_us"], p99_us=result["p99_us"],
        max_us=result["max_us"], mean_us=result["mean_us"], non2xx=result["non2xx"],
        s5xx=result["s5xx"],
        socket_errors=sum(int(result[k]) for k in ("connect", "read", "write", "timeout")),
        first_error=result["first_error"].strip(),
        server_cpu_s=round(server_cpu, 3),
        cpu_us_per_req=round(server_cpu * 1e6 / requests, 1) if requests else 0.0,
        peak_rss_kib=procstat.status_kib(server_pid, "VmHWM"),
        wrk_cpu_s=round(wrk_cpu, 3),
        wrk_core_pct=round(100 * wrk_cpu / elapsed, 1),
        foreign_cpu_pct=round(max(0.0, 100 * (machine - server_cpu - wrk_cpu) / elapsed), 1),
    )
