"""Where benchmark processes run (pinned, prioritised) and /proc readers for what they use."""

from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK")
NICE = -10  # as root: servers and wrk win the core from unrelated processes (same for both)


def pinned(core: int) -> list[str]:
    """Command prefix: on ``core`` only and, as root, at a higher priority. Both exec."""
    prefix = ["taskset", "-c", str(core)]
    if os.geteuid() == 0:
        prefix += ["nice", "-n", str(NICE)]
    return prefix


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of ``pid`` (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    fields = text[text.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / TICKS


def status_kib(pid: int, key: str) -> int:
    """A ``kB`` line of /proc/<pid>/status, e.g. VmHWM (peak RSS) or VmRSS."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def core_busy_seconds() -> dict[int, float]:
    """Busy (non-idle, non-iowait) seconds of each core since boot, from /proc/stat."""
    busy: dict[int, float] = {}
    with open("/proc/stat") as handle:
        for line in handle:
            name, *values = line.split()
            if not name.startswith("cpu") or name == "cpu":
                continue
            ticks = [int(v) for v in values[:8]]
            idle = ticks[3] + ticks[4]
            busy[int(name[3:])] = (sum(ticks) - idle) / TICKS
    return busy
