"""Progress lines: scenario, server, round, seconds left (a ticking line on a terminal)."""

from __future__ import annotations

import sys
import time


def clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    def __init__(self, planned_seconds: float) -> None:
        self.left = planned_seconds  # load seconds still planned (runs, warm-ups)
        self.tty = sys.stdout.isatty()
        self.label = ""
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        self._clear()
        print(text, flush=True)

    def begin(self, label: str, seconds: float) -> None:
        self.label = label
        self._clear()
        line = f"  {label} · {seconds:.0f} s · ~{clock(self.left)} of load left"
        if self.tty:
            sys.stdout.write(line)
            sys.stdout.flush()
        else:
            print(line, flush=True)

    def tick(self, run_left: float, run_seconds: float) -> None:
        if self.tty:
            left = self.left - (run_seconds - run_left)
            sys.stdout.write(f"\r\x1b[K  {self.label} · {run_left:.0f} s left · "
                             f"~{clock(left)} of load left")
            sys.stdout.flush()

    def end(self, seconds: float, summary: str) -> None:
        self.left = max(0.0, self.left - seconds)
        self._clear()
        print(f"  {self.label} · {summary}", flush=True)

    def drop(self, seconds: float) -> None:
        """Planned load that will not run (a skipped scenario)."""
        self.left = max(0.0, self.left - seconds)

    def _clear(self) -> None:
        if self.tty:
            sys.stdout.write("\r\x1b[K")
