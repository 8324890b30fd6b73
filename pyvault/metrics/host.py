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
# gopsutil's VirtualMemoryStat, in its JSON order: name → /proc/meminfo key (None:
# not a Linux number, always 0; "used"/"usedPercent" are computed).
_MEMINFO: tuple[tuple[str, str | None], ...] = (
    ("total", "MemTotal"), ("available", "MemAvailable"), ("used", None),
    ("usedPercent", None), ("free", "MemFree"), ("active", "Active"),
    ("inactive", "Inactive"), ("wired", None), ("laundry", None), ("buffers", "Buffers"),
    ("cached", "Cached"), ("writeback", "Writeback"), ("dirty", "Dirty"),
    ("writebacktmp", "WritebackTmp"), ("shared", "Shmem"), ("slab", "Slab"),
    ("sreclaimable", "SReclaimable"), ("sunreclaim", "SUnreclaim"),
    ("pagetables", "PageTables"), ("swapcached", "SwapCached"),
    ("commitlimit", "CommitLimit"), ("committedas", "Committed_AS"),
    ("hightotal", "HighTotal"), ("highfree", "HighFree"), ("lowtotal", "LowTotal"),
    ("lowfree", "LowFree"), ("swaptotal", "SwapTotal"), ("swapfree", "SwapFree"),
    ("mapped", "Mapped"), ("vmalloctotal", "VmallocTotal"), ("vmallocused", "VmallocUsed"),
    ("vmallocchunk", "VmallocChunk"), ("hugepagestotal", "HugePages_Total"),
    ("hugepagesfree", "HugePages_Free"), ("hugepagesize", "Hugepagesize"),
)
# statfs f_type → gopsutil's file system name (the common ones).
_FS_MAGIC = {
    0xEF53: "ext2/ext3", 0x58465342: "xfs", 0x01021994: "tmpfs", 0x9123683E: "btrfs",
    0x794C7630: "overlayfs", 0x2FC12FC1: "zfs", 0x6969: "nfs", 0xF2F52010: "f2fs",
    0x73717368: "squashfs",
}
# /etc/os-release ID → gopsutil's platformFamily.
_FAMILIES = {
    **dict.fromkeys(("debian", "ubuntu", "linuxmint", "raspbian"), "debian"),
    **dict.fromkeys(("oracle", "centos", "redhat", "rhel", "scientific", "amazon",
                     "xenserver", "cloudlinux", "rocky", "almalinux", "ol"), "rhel"),
    **dict.fromkeys(("suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles",
                     "sled"), "suse"),
    **dict.fromkeys(("arch", "manjaro"), "arch"),
    "fedora": "fedora", "gentoo": "gentoo", "alpine": "alpine", "coreos": "coreos",
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
    order = ("cpu", "user", "system", "idle", "nice", "iowait", "irq", "softirq", "steal",
             "guest", "guestNice")  # gopsutil's TimesStat
    times: list[dict[str, Any]] = []
    for line in _read("/proc/stat").splitlines():
        parts = line.split()
        if parts and parts[0].startswith("cpu") and parts[0] != "cpu":
            values = [int(v) / _CLK_TCK for v in parts[1:11]]
            row: dict[str, Any] = {"cpu": parts[0], **dict.fromkeys(names, 0.0)}
            row.update(dict(zip(names, values, strict=False)))
            times.append({key: row[key] for key in order})
    return times


def _fstype(path: str) -> str:
    """The file system's name as gopsutil gives it (from statfs's magic number);
    the /proc/mounts type when the magic is not a known one."""
    import ctypes  # only for sys/host-info: most servers never need its ~170 KiB

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on x86_64
        if libc.statfs(path.encode(), buf) == 0:
            magic = ctypes.c_long.from_buffer(buf).value & 0xFFFFFFFF
            if magic in _FS_MAGIC:
                return _FS_MAGIC[magic]
    except (OSError, AttributeError):
        pass
    for line in _read("/proc/mounts").splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[1] == path:
            return fields[2]
    return ""


def _disk() -> list[dict[str, Any]]:
    st = os.statvfs("/")
    total, free = st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize
    used = total - st.f_bfree * st.f_frsize
    inodes_used = st.f_files - st.f_ffree
    return [{
        "path": "/", "fstype": _fstype("/"), "total": total, "free": free, "used": used,
        "usedPercent": 100.0 * used / (used + free) if used + free else 0.0,
        "inodesTotal": st.f_files, "inodesUsed": inodes_used, "inodesFree": st.f_ffree,
        "inodesUsedPercent": 100.0 * inodes_used / st.f_files if st.f_files else 0.0,
    }]


def _memory() -> dict[str, Any]:
    """gopsutil's numbers: ``cached`` includes SReclaimable and ``used`` is
    total - available (when the kernel reports MemAvailable)."""
    raw: dict[str, int] = {}
    for line in _read("/proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields:
            factor = 1024 if len(fields) > 1 and fields[1] == "kB" else 1
            raw[key] = int(fields[0]) * factor
    memory: dict[str, Any] = {name: raw.get(key, 0) if key else 0 for name, key in _MEMINFO}
    memory["cached"] += memory["sreclaimable"]
    if "MemAvailable" in raw:
        used = memory["total"] - memory["available"]
    else:
        used = memory["total"] - memory["free"] - memory["buffers"] - memory["cached"]
    memory["used"] = used
    memory["usedPercent"] = 100.0 * used / memory["total"] if memory["total"] else 0.0
    return memory


def _contains(path: str, *needles: str) -> str:
    """The first of ``needles`` found in the file (nothing of it is returned)."""
    text = _read(path)
    return next((n for n in needles if n in text), "")


def _virtualization() -> tuple[str, str]:
    """(system, role) by gopsutil's checks, in its order (a later match wins)."""
    system = role = ""
    if os.path.exists("/proc/xen"):
        system, role = "xen", "guest"
    found = _contains("/proc/modules", "kvm", "vboxdrv", "vboxguest", "vmware")
    if found:
        system, role = {"kvm": ("kvm", "host"), "vboxdrv": ("vbox", "host"),
                        "vboxguest": ("vbox", "guest"), "vmware": ("vmware", "guest")}[found]
    if _contains("/proc/cpuinfo", "QEMU Virtual CPU", "Common KVM processor",
                 "Common 32-bit KVM processor"):
        system, role = "kvm", "guest"
    if os.path.exists("/proc/bc/0"):
        system, role = "openvz", "host"
    elif os.path.exists("/proc/vz"):
        system, role = "openvz", "guest"
    if _contains("/proc/self/status", "s_context:", "VxID:"):
        system = "linux-vserver"
    if _contains("/proc/1/environ", "container=lxc"):
        system, role = "lxc", "guest"
    found = _contains("/proc/self/cgroup", "lxc", "docker", "machine-rkt")
    if found:
        system, role = {"lxc": "lxc", "docker": "docker", "machine-rkt": "rkt"}[found], "guest"
    if os.path.exists("/usr/bin/lxc-version"):
        system, role = "lxc", "host"
    if os.path.exists("/.dockerenv"):
        system, role = "docker", "guest"
    return system, role


def _host_id() -> str:
    """gopsutil's: the DMI product UUID (root only), else /etc/machine-id as a UUID,
    else the boot id."""
    product = _read("/sys/class/dmi/id/product_uuid").strip()
    if product:
        return product.lower()
    machine = _read("/etc/machine-id").strip()
    if len(machine) == 32:
        return "-".join((machine[:8], machine[8:12], machine[12:16], machine[16:20],
                         machine[20:]))
    return _read("/proc/sys/kernel/random/boot_id").strip().lower()


def _platform() -> tuple[str, str, str]:
    """(platform, family, version); Debian's point release from /etc/debian_version."""
    os_release = dict(
        line.split("=", 1) for line in _read("/etc/os-release").splitlines() if "=" in line)
    platform_id = os_release.get("ID", "").strip('"')
    version = os_release.get("VERSION_ID", "").strip('"')
    if platform_id == "debian":
        version = _read("/etc/debian_version").strip() or version
    return platform_id, _FAMILIES.get(platform_id, ""), version


def _host(now: float) -> dict[str, Any]:
    uptime = float((_read("/proc/uptime").split() or ["0"])[0])
    procs = sum(1 for name in os.listdir("/proc") if name.isdigit()) \
        if os.path.isdir("/proc") else 0
    platform_id, family, version = _platform()
    virt_system, virt_role = _virtualization()
    return {
        "hostname": socket.gethostname(), "uptime": int(uptime),
        "bootTime": int(now - uptime), "procs": procs, "os": platform.system().lower(),
        "platform": platform_id, "platformFamily": family, "platformVersion": version,
        "kernelVersion": platform.release(), "kernelArch": platform.machine(),
        "virtualizationSystem": virt_system, "virtualizationRole": virt_role,
        "hostid": _host_id(),
    }


def collect(now: float) -> dict[str, Any]:
    return {
        "cpu": _cpus(), "cpu_times": _cpu_times(), "disk": _disk(), "host": _host(now),
        "memory": _memory(),
        "timestamp": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
