"""KV v1 through hvac's ``secrets.kv.v1``, and upgrading a v1 mount to v2 by tuning it.

Expected answers were read off OpenBao 2.7.2 (the same pass-through code as Vault).
"""

from __future__ import annotations

import time
from typing import Any

import hvac
import hvac.exceptions
import pytest
from harness import ServerProcess

DEV_DEFAULT_TTL = 2_764_800  # 768h, both servers' dev-mode default lease TTL


def v1_mount(server: ServerProcess, path: str) -> hvac.Client:
    client = server.client()
    client.sys.enable_secrets_engine("kv", path=path, options={"version": "1"})
    return client


def test_write_read_list_delete(dev_server: ServerProcess) -> None:
    client = v1_mount(dev_server, "kv1-basic")
    secret = {"s": "x", "i": 7, "f": 1.5, "n": None, "t": True, "l": [1, {"x": []}]}
    created = client.secrets.kv.v1.create_or_update_secret("a", secret, mount_point="kv1-basic")
    assert created.status_code == 204
    client.secrets.kv.v1.create_or_update_secret("dir/b", {"x": 1}, mount_point="kv1-basic")
    read = client.secrets.kv.v1.read_secret("a", mount_point="kv1-basic")
    assert read["data"] == secret
    assert (read["lease_id"], read["renewable"], read["lease_duration"]) == (
        "", False, DEV_DEFAULT_TTL)
    assert client.secrets.kv.v1.list_secrets("", mount_point="kv1-basic")["data"] == {
        "keys": ["a", "dir/"]}
    assert client.secrets.kv.v1.list_secrets("dir", mount_point="kv1-basic")["data"] == {
        "keys": ["b"]}
    updated = client.secrets.kv.v1.create_or_update_secret("a", {"v": 2},
                                                           mount_point="kv1-basic")
    assert updated.status_code == 204
    assert client.secrets.kv.v1.read_secret("a", mount_point="kv1-basic")["data"] == {"v": 2}
    assert client.secrets.kv.v1.delete_secret("a", mount_point="kv1-basic").status_code == 204
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v1.read_secret("a", mount_point="kv1-basic")
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v1.list_secrets("nothing", mount_point="kv1-basic")


@pytest.mark.parametrize(("secret", "lease"), [
    ({"ttl": "1h"}, 3600), ({"ttl": 90}, 90), ({"ttl": "1d"}, 86400),
    ({"ttl": "10000h"}, 36_000_000),  # only a hint: never capped by the mount's max
    ({"lease": "7s"}, 7), ({"ttl": "bad", "lease": "7s"}, DEV_DEFAULT_TTL),
    ({"ttl": None}, 0), ({"ttl": 12.7}, DEV_DEFAULT_TTL),
])
def test_ttl_in_the_data_is_the_lease_duration_without_a_lease(
    dev_server: ServerProcess, secret: dict[str, Any], lease: int
) -> None:
    client = dev_server.client()
    if "kv1-ttl/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("kv", path="kv1-ttl", options={"version": "1"})
    client.secrets.kv.v1.create_or_update_secret("t", {"a": "b", **secret},
                                                 mount_point="kv1-ttl")
    read = client.secrets.kv.v1.read_secret("t", mount_point="kv1-ttl")
    assert (read["lease_id"], read["renewable"], read["lease_duration"]) == ("", False, lease)
    assert read["data"] == {"a": "b", **secret}


def test_write_without_data_is_400(dev_server: ServerProcess) -> None:
    v1_mount(dev_server, "kv1-empty")
    resp = dev_server.request("POST", "/v1/kv1-empty/a", json={})
    assert (resp.status_code, resp.json()) == (400, {"errors": ["missing data fields"]})


def test_tuning_to_version_2_keeps_the_data(dev_server: ServerProcess) -> None:
    client = v1_mount(dev_server, "kv1-up")
    secrets = {"a": {"x": "1", "ttl": "1h"}, "dir/b": {"n": 1, "l": [1, None]}}
    for path, secret in secrets.items():
        client.secrets.kv.v1.create_or_update_secret(path, secret, mount_point="kv1-up")
    client.sys.tune_mount_configuration("kv1-up", options={"version": "2"})
    deadline = time.monotonic() + 10  # Vault upgrades in the background
    while True:
        try:
            read = client.secrets.kv.v2.read_secret("a", mount_point="kv1-up",
                                                    raise_on_deleted_version=True)
            break
        except hvac.exceptions.InvalidRequest:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert read["data"]["data"] == secrets["a"]
    assert read["data"]["metadata"]["version"] == 1
    for path, secret in secrets.items():
        read = client.secrets.kv.v2.read_secret(path, mount_point="kv1-up",
                                                raise_on_deleted_version=True)
        assert read["data"]["data"] == secret
    meta = client.secrets.kv.v2.read_secret_metadata("dir/b", mount_point="kv1-up")["data"]
    assert (meta["current_version"], meta["oldest_version"]) == (1, 1)
    assert client.secrets.kv.v2.list_secrets("", mount_point="kv1-up")["data"] == {
        "keys": ["a", "dir/"]}
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    assert mounts["kv1-up/"]["options"] == {"version": "2"}
    written = client.secrets.kv.v2.create_or_update_secret("a", {"x": "2"},
                                                           mount_point="kv1-up")
    assert written["data"]["version"] == 2
