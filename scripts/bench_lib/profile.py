"""py-spy on a pyvault server during one extra, unmeasured wrk run; a text summary.

The summary has three tables, in % of the samples in which the server was not idle:
self time per function, inclusive time per pyvault function, inclusive time of the
rest (aiohttp, asyncio, cryptography, …). The raw collapsed stacks are kept beside it
(``<name>.raw``: feed it to flamegraph.pl or speedscope).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_lib.procstat import pinned
from bench_lib.wrk import Load, Measurement

RATE = 250  # samples per second
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::\d+)?\)$")


def py_spy() -> Path:
    return Path(sys.executable).parent / "py-spy"


def short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "lib/python3.":
                path = path.split("/", 1)[-1]
            break
    return f"{match['func']} ({path})"


def summarize(raw: Path, top: int = 20) -> dict[str, Any]:
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [short(f) for f in stack.split(";")]
        total += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def pct(counter: Counter[str], keep: Callable[[str], bool], n: int) -> list[list[Any]]:
        rows = [(f, c) for f, c in counter.most_common() if keep(f)][:n]
        return [[f, round(100 * c / total, 1)] for f, c in rows] if total else []

    def ours(frame: str) -> bool:
        return "(pyvault/" in frame

    return {
        "samples": total,
        "self": pct(self_time, lambda f: True, top),
        "inclusive_pyvault": pct(inclusive, ours, top),
        "inclusive_other": pct(inclusive, lambda f: not ours(f), top),
    }


def render(summary: dict[str, Any]) -> str:
    parts = [f"{summary['samples']} samples (non-idle)"]
    for key, title in (("self", "self time"), ("inclusive_pyvault", "inclusive, pyvault"),
                       ("inclusive_other", "inclusive, everything else")):
        parts.append(f"\n{title}:")
        parts.extend(f"  {pct:5.1f}%  {frame}" for frame, pct in summary[key])
    return "\n".join(parts) + "\n"


def profile_run(
    *, server_pid: int, load: Load, out: Path, run: Callable[[], Measurement]
) -> dict[str, Any]:
    raw = out.with_suffix(".raw")
    command = [*pinned(load.core), str(py_spy()), "record", "--pid",
               str(server_pid), "--rate", str(RATE), "--duration", str(load.duration + 1),
               "--format", "raw", "--function", "--nonblocking", "--output", str(raw)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)  # attach before the load starts
    measurement = run()
    try:
        _, err = spy.communicate(timeout=load.duration + 30)
    except subprocess.TimeoutExpired:
        spy.kill()
        _, err = spy.communicate()
    if spy.returncode != 0 or not raw.exists():
        return {"samples": 0, "file": "", "error": err.decode(errors="replace")[-500:],
                "rps": measurement.rps}
    summary = summarize(raw)
    text = out.with_suffix(".txt")
    text.write_text(render(summary))
    summary.update(file=str(text), rps=measurement.rps)
    return summary
