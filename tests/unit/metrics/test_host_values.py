"""sys/host-info's values computed as gopsutil computes them (the reference's)."""

from __future__ import annotations

import pytest

from pyvault.metrics import host

MEMINFO = """MemTotal:       1000 kB
MemFree:         200 kB
MemAvailable:    600 kB
Buffers:          10 kB
Cached:          300 kB
SReclaimable:     50 kB
"""


def fake_files(monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    monkeypatch.setattr(host, "_read", lambda path: files.get(path, ""))
    monkeypatch.setattr(host.os.path, "exists", lambda path: path in files)


def test_memory_used_is_total_minus_available(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_files(monkeypatch, {"/proc/meminfo": MEMINFO})
    memory = host._memory()
    assert memory["used"] == 400 * 1024 and memory["usedPercent"] == 40.0
    assert memory["cached"] == 350 * 1024  # Cached + SReclaimable
    assert list(memory)[:5] == ["total", "available", "used", "usedPercent", "free"]
    assert memory["wired"] == 0 and memory["hightotal"] == 0


def test_host_id_from_machine_id_as_uuid(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_files(monkeypatch, {"/etc/machine-id": "3d1219c7c4c5404aaa1f6d2a48adfda4\n"})
    assert host._host_id() == "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4"
    fake_files(monkeypatch, {"/sys/class/dmi/id/product_uuid": "ABC-DEF\n",
                             "/etc/machine-id": "3d1219c7c4c5404aaa1f6d2a48adfda4\n"})
    assert host._host_id() == "abc-def"


@pytest.mark.parametrize(("files", "expected"), [
    ({}, ("", "")),
    ({"/.dockerenv": ""}, ("docker", "guest")),
    ({"/proc/self/cgroup": "0::/docker/abc"}, ("docker", "guest")),
    ({"/proc/cpuinfo": "model name : QEMU Virtual CPU version 2.5+"}, ("kvm", "guest")),
    ({"/proc/modules": "kvm_intel 1 0"}, ("kvm", "host")),
    ({"/proc/xen": ""}, ("xen", "guest")),
])
def test_virtualization(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: tuple[str, str]
) -> None:
    fake_files(monkeypatch, files)
    assert host._virtualization() == expected


def test_debian_point_release_and_family(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_files(monkeypatch, {"/etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
                             "/etc/debian_version": "12.11\n"})
    assert host._platform() == ("debian", "debian", "12.11")
    fake_files(monkeypatch, {"/etc/os-release": 'ID="rocky"\nVERSION_ID="9.4"\n'})
    assert host._platform() == ("rocky", "rhel", "9.4")


def test_root_file_system_type_is_named() -> None:
    assert host._fstype("/") != ""
