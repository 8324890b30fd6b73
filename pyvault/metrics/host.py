"""sys/host-info data, read from /proc and statvfs (Linux), in gopsutil's
field names as Vault returns them. Blocking reads: call ``collect`` in a thread.

Only what the host says about itself: no environment, no command line, no
process list, so nothing secret can leak through this endpoint.
"""

from __future__ import annotations

import os
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_MEMINFO = {  # gopsutil name → /proc/meminfo key
    "total": "MemTotal", "available": "MemAvailable", "free": "MemFree",
    "active": "Active", "inactive": "Inactive", "buffers": "Buffers", "cached": "Cached",
    "writeback": "Writeback", "dirty": "Dirty", "shared": "Shmem", "slab": "Slab",
    "sreclaimable": "SReclaimable", "sunreclaim": "SUnreclaim", "pagetables": "PageTables",
    "swapcached": "SwapCached", "commitlimit": "CommitLimit",
    "committedas": "Committed_AS", "swaptotal": "SwapTotal", "swapfree": "SwapFree",
    "mapped": "Mapped", "vmalloctotal": "VmallocTotal", "vmallocused": "VmallocUsed",
    "vmallocchunk": "VmallocChunk", "hugepagestotal": "HugePages_Total",
    "hugepagesfree": "HugePages_Free", "hugepagesize": "Hugepagesize",
}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpus() -> list[dict[str, Any]]:
    cpus: list[dict[str, Any]] = []
    for block in _read("/proc/cpuinfo").strip().split("\n\n"):
        info = {k.strip(): v.strip() for k, _, v in
                (line.partition(":") for line in block.splitlines())}
        if "processor" not in info:
            continue
        cpus.append({
            "cpu": int(info["processor"]), "vendorId": info.get("vendor_id", ""),
            "family": info.get("cpu family", ""), "model": info.get("model", ""),
            "stepping": int(info.get("stepping", "0") or 0),
            "physicalId": info.get("physical id", ""), "coreId": info.get("core id", ""),
            "cores": 1, "modelName": info.get("model name", ""),
            "mhz": float(info.get("cpu MHz", "0") or 0),
            "cacheSize": int((info.get("cache size", "0").split() or ["0"])[0]),
            "flags": info.get("flags", "").split(), "microcode": info.get("microcode", ""),
        })
    return cpus


def _cpu_times() -> list[dict[str, Any]]:
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
             "guest", "guestNice")
    times: list[dict[str, Any]] = []
    for line in _read("/proc/stat").splitlines():
        parts = line.split()
        if parts and parts[0].startswith("cpu") and parts[0] != "cpu":
            values = [int(v) / _CLK_TCK for v in parts[1:11]]
            row: dict[str, Any] = {"cpu": parts[0]}
            row.update(dict(zip(names, values, strict=False)))
            times.append(row)
    return times


def _disk() -> list[dict[str, Any]]:
    st = os.statvfs("/")
    total, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
    used = total - st.f_bfree * st.f_frsize
    inodes_used = st.f_files - st.f_ffree
    return [{
        "path": "/", "fstype": "", "total": total, "free": free, "used": used,
        "usedPercent": 100.0 * used / (used + free) if used + free else 0.0,
        "inodesTotal": st.f_files, "inodesUsed": inodes_used, "inodesFree": st.f_ffree,
        "inodesUsedPercent": 100.0 * inodes_used / st.f_files if st.f_files else 0.0,
    }]


def _memory() -> dict[str, Any]:
    raw: dict[str, int] = {}
    for line in _read("/proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields:
            factor = 1024 if len(fields) > 1 and fields[1] == "kB" else 1
            raw[key] = int(fields[0]) * factor
    memory: dict[str, Any] = {name: raw.get(key, 0) for name, key in _MEMINFO.items()}
    used = memory["total"] - memory["free"] - memory["buffers"] - memory["cached"]
    memory["used"] = used
    memory["usedPercent"] = 100.0 * used / memory["total"] if memory["total"] else 0.0
    return memory


def _host(now: float) -> dict[str, Any]:
    uptime = float((_read("/proc/uptime").split() or ["0"])[0])
    os_release = dict(
        line.split("=", 1) for line in _read("/etc/os-release").splitlines() if "=" in line)
    procs = sum(1 for name in os.listdir("/proc") if name.isdigit()) \
        if os.path.isdir("/proc") else 0
    return {
        "hostname": socket.gethostname(), "uptime": int(uptime),
        "bootTime": int(now - uptime), "procs": procs, "os": platform.system().lower(),
        "platform": os_release.get("ID", "").strip('"'), "platformFamily": "",
        "platformVersion": os_release.get("VERSION_ID", "").strip('"'),
        "kernelVersion": platform.release(), "kernelArch": platform.machine(),
        "virtualizationSystem": "", "virtualizationRole": "",
        "hostid": _read("/etc/machine-id").strip(),
    }


def collect(now: float) -> dict[str, Any]:
    return {
        "cpu": _cpus(), "cpu_times": _cpu_times(), "disk": _disk(), "host": _host(now),
        "memory": _memory(),
        "timestamp": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
