"""sys/host-info and sys/in-flight-req on pyvault and the reference."""

from __future__ import annotations

import pytest
from harness import ServerProcess

HOST_KEYS = {"hostname", "uptime", "bootTime", "procs", "os", "platform", "platformFamily",
             "platformVersion", "kernelVersion", "kernelArch", "virtualizationSystem",
             "virtualizationRole", "hostid"}


def test_host_info_layout(dev_server: ServerProcess) -> None:
    data = dev_server.client().read("sys/host-info")["data"]
    assert {"cpu", "cpu_times", "disk", "host", "memory", "timestamp"} <= set(data)
    assert set(data["host"]) == HOST_KEYS
    assert {"total", "available", "used", "usedPercent", "free"} <= set(data["memory"])
    assert data["cpu"] and {"cpu", "vendorId", "modelName", "mhz", "flags"} <= set(data["cpu"][0])
    assert data["cpu_times"][0]["cpu"] == "cpu0" and "user" in data["cpu_times"][0]
    assert {"path", "total", "free", "used", "usedPercent"} <= set(data["disk"][0])


def test_in_flight_req_shows_itself(dev_server: ServerProcess) -> None:
    resp = dev_server.request("GET", "/v1/sys/in-flight-req")
    assert resp.status_code == 200
    body = resp.json()
    assert "data" not in body  # a bare map, no envelope
    mine = [v for v in body.values() if v["request_path"] == "/v1/sys/in-flight-req"]
    assert len(mine) == 1
    assert set(mine[0]) == {"start_time", "client_remote_address", "request_path",
                            "request_method", "client_id"}
    assert mine[0]["request_method"] == "GET"
    assert mine[0]["client_remote_address"].startswith("127.0.0.1:")


@pytest.mark.parametrize("path", ["/v1/sys/host-info", "/v1/sys/in-flight-req"])
def test_token_without_capability_is_refused(dev_server: ServerProcess, path: str) -> None:
    token = dev_server.client().auth.token.create(policies=["default"])["auth"]["client_token"]
    assert dev_server.request("GET", path, token=token).status_code == 403
    assert dev_server.request("GET", path, token=None).status_code == 403
