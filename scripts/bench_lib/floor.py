"""The resident-memory floor of pyvault's given stack (scripts/rss-floor).

Each layer is imported in its own fresh interpreter, which then reports its own
VmRSS / RssAnon / RssFile from /proc; the servers are started idle and read the
same way. No load: this is the floor under which no amount of work on pyvault's
own code can go.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPORT = "print(open('/proc/self/status').read())"
LAYERS = [
    ("python (nothing imported)", ""),
    ("import asyncio", "import asyncio"),
    ("import aiohttp.web", "import aiohttp.web"),
    ("import cryptography AES-GCM", "import cryptography.hazmat.primitives.ciphers.aead"),
    ("aiohttp.web + cryptography", "import aiohttp.web\n"
     "import cryptography.hazmat.primitives.ciphers.aead"),
    ("aiohttp.web + cryptography + uvloop", "import aiohttp.web, uvloop\n"
     "import cryptography.hazmat.primitives.ciphers.aead"),
    ("import pyvault.cli.server", "import pyvault.cli.server"),
]
MIB = 1024


def status_kib(text: str) -> tuple[int, int, int]:
    """VmRSS, RssAnon and RssFile (KiB) from a /proc/<pid>/status text."""
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["RssAnon"], values["RssFile"]


def layer(code: str) -> tuple[int, int, int]:
    out = subprocess.run([sys.executable, "-c", code + "\n" + REPORT], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).parents[2])
    return status_kib(out.stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def idle_server(command: list[str], port: int) -> tuple[int, int, int]:
    """Start, wait until it answers, settle 2 s, read its memory, stop."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/sys/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{command[0]} did not start") from None
                time.sleep(0.1)
        time.sleep(2)
        return status_kib(Path(f"/proc/{proc.pid}/status").read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bench-json", type=Path,
                        help="a scripts/bench results JSON: prints 1/3 of the reference's "
                             "peak RSS on each read scenario")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, tuple[int, int, int]]] = []
    for name, code in LAYERS:
        print(f"  measuring: {name}", file=sys.stderr, flush=True)
        rows.append((name, layer(code)))
    port = free_port()
    print("  measuring: pyvault dev server, idle", file=sys.stderr, flush=True)
    rows.append(("pyvault dev server, idle", idle_server(
        [sys.executable, "-m", "pyvault", "server", "-dev", "-dev-root-token-id=root",
         f"-dev-listen-address=127.0.0.1:{port}"], port)))
    bao = Path(sys.executable).parent / "bao"
    if not args.no_reference and (bao.exists() or shutil.which("bao")):
        port = free_port()
        print("  measuring: reference dev server, idle", file=sys.stderr, flush=True)
        rows.append(("reference dev server, idle", idle_server(
            [str(bao) if bao.exists() else "bao", "server", "-dev",
             "-dev-root-token-id=root", f"-dev-listen-address=127.0.0.1:{port}"], port)))
    print(f"{'what':40s} {'RSS MiB':>8s} {'anon':>7s} {'file':>7s}")
    for name, (rss, anon, file) in rows:
        print(f"{name:40s} {rss / MIB:8.1f} {anon / MIB:7.1f} {file / MIB:7.1f}")
    if args.bench_json is not None:
        print_thirds(json.loads(args.bench_json.read_text()))
    return 0


def print_thirds(results: object) -> None:
    """One third of the reference's peak RSS per read scenario of a bench run."""
    print("\n1/3 of the reference's peak RSS (from the bench JSON):")
    found = False
    for entry in _entries(results):
        server, scenario = str(entry.get("server", "")), str(entry.get("scenario", ""))
        peak = entry.get("peak_rss_mib")
        if server.startswith("reference") and isinstance(peak, (int, float)):
            found = True
            print(f"  {scenario:16s} {server:16s} {peak / 3:6.1f} MiB")
    if not found:
        print("  no reference RSS found in the JSON")


def _entries(node: object) -> list[dict[str, object]]:
    if isinstance(node, dict):
        found = [node] if "server" in node and "scenario" in node else []
        for value in node.values():
            found += _entries(value)
        return found
    if isinstance(node, list):
        return [entry for item in node for entry in _entries(item)]
    return []


if __name__ == "__main__":
    sys.exit(main())
