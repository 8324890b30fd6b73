"""KV v2 through hvac's ``secrets.kv.v2``: every method, against both servers.

Dev mode mounts KV v2 at ``secret/`` (hvac's default mount point). Expected
answers were read off OpenBao 2.7.2; where HashiCorp Vault differs, the test says
so and accepts Vault's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import hvac
import hvac.exceptions
import pytest
from harness import ServerProcess

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def ensure_secret_mount(server: ServerProcess) -> None:
    """Dev mode mounts kv v2 at secret/ (asserted below); until it does everywhere,
    mount it so the engine itself can still be compared."""
    mounts = server.client().sys.list_mounted_secrets_engines()["data"]
    if "secret/" not in mounts:
        server.client().sys.enable_secrets_engine("kv", path="secret",
                                                  options={"version": "2"})


@pytest.fixture
def kv(dev_server: ServerProcess, request: pytest.FixtureRequest) -> Iterator[
        tuple[hvac.Client, str]]:
    """(root client, a path prefix of this test's own)."""
    ensure_secret_mount(dev_server)
    yield dev_server.client(), re.sub(r"\W", "-", request.node.name)


def version_meta(version: int, *, deleted: bool = False,
                 destroyed: bool = False) -> dict[str, Any]:
    return {"custom_metadata": None, "destroyed": destroyed, "version": version,
            "deletion_time": TIME if deleted else ""}


def matches(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Equal, except that a regex in ``expected`` must match the string in ``actual``."""
    for key, want in expected.items():
        got = actual.get(key)
        if isinstance(want, re.Pattern):
            if not isinstance(got, str) or not want.match(got):
                return False
        elif got != want:
            return False
    return True


def test_dev_mode_mounts_kv_v2_at_secret(dev_server: ServerProcess) -> None:
    mount = dev_server.client().sys.read_mount_configuration("secret")
    assert mount is not None
    mounts = dev_server.client().sys.list_mounted_secrets_engines()["data"]
    assert mounts["secret/"]["type"] == "kv"
    assert mounts["secret/"]["options"] == {"version": "2"}


def test_create_read_and_versions(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    written = client.secrets.kv.v2.create_or_update_secret(f"{p}/a", secret={"b": 2, "a": 1})
    assert set(written) >= {"request_id", "lease_id", "renewable", "lease_duration", "data"}
    assert matches(written["data"], version_meta(1))
    assert TIME.match(written["data"]["created_time"])
    client.secrets.kv.v2.create_or_update_secret(f"{p}/a", secret={"a": "two"})
    latest = client.secrets.kv.v2.read_secret_version(f"{p}/a", raise_on_deleted_version=True)
    assert latest["data"]["data"] == {"a": "two"}
    assert matches(latest["data"]["metadata"], version_meta(2))
    first = client.secrets.kv.v2.read_secret_version(f"{p}/a", version=1,
                                                     raise_on_deleted_version=True)
    assert first["data"]["data"] == {"a": 1, "b": 2}
    assert list(first["data"]["data"]) == ["a", "b"]  # sorted, as Go marshals maps
    same = client.secrets.kv.v2.read_secret(f"{p}/a", raise_on_deleted_version=True)
    assert same["data"] == latest["data"]
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(f"{p}/a", version=9,
                                                 raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(f"{p}/none", raise_on_deleted_version=True)


def test_json_types_round_trip(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    secret = {"s": "x", "i": 7, "f": 1.5, "n": None, "t": True, "l": [1, "2", {"x": []}],
              "nested": {"deep": {"deeper": False}}, "u": "\u00e9\u2603"}
    client.secrets.kv.v2.create_or_update_secret(f"{p}/t", secret=secret)
    read = client.secrets.kv.v2.read_secret_version(f"{p}/t", raise_on_deleted_version=True)
    assert read["data"]["data"] == secret


def test_check_and_set(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    client.secrets.kv.v2.create_or_update_secret(f"{p}/c", secret={"v": 1}, cas=0)
    with pytest.raises(hvac.exceptions.InvalidRequest) as conflict:
        client.secrets.kv.v2.create_or_update_secret(f"{p}/c", secret={"v": 2}, cas=0)
    assert conflict.value.errors == [
        "check-and-set parameter did not match the current version"]
    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.secrets.kv.v2.create_or_update_secret(f"{p}/c", secret={"v": 2}, cas=5)
    written = client.secrets.kv.v2.create_or_update_secret(f"{p}/c", secret={"v": 2}, cas=1)
    assert written["data"]["version"] == 2


def test_cas_required_on_the_key(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    client.secrets.kv.v2.update_metadata(f"{p}/r", cas_required=True)
    with pytest.raises(hvac.exceptions.InvalidRequest) as missing:
        client.secrets.kv.v2.create_or_update_secret(f"{p}/r", secret={"v": 1})
    assert missing.value.errors == ["check-and-set parameter required for this call"]
    client.secrets.kv.v2.create_or_update_secret(f"{p}/r", secret={"v": 1}, cas=0)


def test_patch(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    client.secrets.kv.v2.create_or_update_secret(f"{p}/p", secret={"a": 1, "b": 2})
    patched = client.secrets.kv.v2.patch(f"{p}/p", secret={"b": 3, "c": 4})
    assert patched["data"]["version"] == 2
    read = client.secrets.kv.v2.read_secret(f"{p}/p", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"a": 1, "b": 3, "c": 4}
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.patch(f"{p}/missing", secret={"a": 1})


def test_soft_delete_undelete_and_reading_a_deleted_version(
    kv: tuple[hvac.Client, str]
) -> None:
    client, p = kv
    for value in (1, 2, 3):
        client.secrets.kv.v2.create_or_update_secret(f"{p}/d", secret={"v": value})
    assert client.secrets.kv.v2.delete_latest_version_of_secret(f"{p}/d").status_code == 204
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret(f"{p}/d", raise_on_deleted_version=True)
    deleted = client.secrets.kv.v2.read_secret(f"{p}/d", raise_on_deleted_version=False)
    assert deleted["data"]["data"] is None
    assert matches(deleted["data"]["metadata"], version_meta(3, deleted=True))
    assert client.secrets.kv.v2.delete_secret_versions(f"{p}/d", versions=[1]).status_code \
        == 204
    assert client.secrets.kv.v2.undelete_secret_versions(f"{p}/d", versions=[1, 3]) \
        .status_code == 204
    for version, value in ((1, 1), (3, 3)):
        read = client.secrets.kv.v2.read_secret_version(
            f"{p}/d", version=version, raise_on_deleted_version=True)
        assert read["data"]["data"] == {"v": value}
        assert read["data"]["metadata"]["deletion_time"] == ""


def test_destroy(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    for value in (1, 2):
        client.secrets.kv.v2.create_or_update_secret(f"{p}/x", secret={"v": value})
    assert client.secrets.kv.v2.destroy_secret_versions(f"{p}/x", versions=[1]).status_code \
        == 204
    # hvac hands back the 404 body only when deletion_time is set: destroyed raises.
    with pytest.raises(hvac.exceptions.InvalidPath) as raised:
        client.secrets.kv.v2.read_secret_version(f"{p}/x", version=1,
                                                 raise_on_deleted_version=False)
    assert raised.value.json is not None
    assert matches(raised.value.json["data"]["metadata"], version_meta(1, destroyed=True))
    client.secrets.kv.v2.undelete_secret_versions(f"{p}/x", versions=[1])
    meta = client.secrets.kv.v2.read_secret_metadata(f"{p}/x")["data"]
    assert meta["versions"]["1"]["destroyed"] is True


def test_list_secrets(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    for path in ("a", "dir/b", "dir/sub/c"):
        client.secrets.kv.v2.create_or_update_secret(f"{p}/{path}", secret={"x": 1})
    assert client.secrets.kv.v2.list_secrets(p)["data"] == {"keys": ["a", "dir/"]}
    assert client.secrets.kv.v2.list_secrets(f"{p}/dir")["data"] == {"keys": ["b", "sub/"]}
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.list_secrets(f"{p}/nothing")


def test_metadata_with_custom_metadata(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    updated = client.secrets.kv.v2.update_metadata(
        f"{p}/m", max_versions=5, cas_required=False, delete_version_after="1h30m",
        custom_metadata={"owner": "ops", "tier": "1"})
    assert updated.status_code == 204
    client.secrets.kv.v2.create_or_update_secret(f"{p}/m", secret={"a": 1})
    meta = client.secrets.kv.v2.read_secret_metadata(f"{p}/m")["data"]
    assert {k: meta[k] for k in ("max_versions", "cas_required", "delete_version_after",
                                 "custom_metadata", "current_version", "oldest_version")} == {
        "max_versions": 5, "cas_required": False, "delete_version_after": "1h30m0s",
        "custom_metadata": {"owner": "ops", "tier": "1"}, "current_version": 1,
        "oldest_version": 0}
    assert set(meta) >= {"created_time", "updated_time", "versions"}
    assert TIME.match(meta["versions"]["1"]["deletion_time"])  # 1h30m from now
    data = client.secrets.kv.v2.read_secret(f"{p}/m", raise_on_deleted_version=True)["data"]
    assert data["metadata"]["custom_metadata"] == {"owner": "ops", "tier": "1"}


def test_delete_metadata_and_all_versions(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    client.secrets.kv.v2.create_or_update_secret(f"{p}/z", secret={"a": 1})
    client.secrets.kv.v2.create_or_update_secret(f"{p}/z", secret={"a": 2})
    assert client.secrets.kv.v2.delete_metadata_and_all_versions(f"{p}/z").status_code == 204
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_metadata(f"{p}/z")
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(f"{p}/z", version=1,
                                                 raise_on_deleted_version=False)
    written = client.secrets.kv.v2.create_or_update_secret(f"{p}/z", secret={"a": 3})
    assert written["data"]["version"] == 1


def test_version_pruning(kv: tuple[hvac.Client, str]) -> None:
    client, p = kv
    client.secrets.kv.v2.update_metadata(f"{p}/v", max_versions=3)
    for value in range(1, 6):
        client.secrets.kv.v2.create_or_update_secret(f"{p}/v", secret={"v": value})
    meta = client.secrets.kv.v2.read_secret_metadata(f"{p}/v")["data"]
    assert (meta["current_version"], meta["oldest_version"]) == (5, 3)
    assert sorted(meta["versions"]) == ["3", "4", "5"]
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(f"{p}/v", version=2,
                                                 raise_on_deleted_version=False)
    oldest = client.secrets.kv.v2.read_secret_version(f"{p}/v", version=3,
                                                      raise_on_deleted_version=True)
    assert oldest["data"]["data"] == {"v": 3}


def test_configure_and_read_configuration(dev_server: ServerProcess) -> None:
    # A mount of its own: the mount config would change every other test's secrets.
    client = dev_server.client()
    client.sys.enable_secrets_engine("kv", path="kv2-config", options={"version": "2"})
    assert client.secrets.kv.v2.read_configuration(mount_point="kv2-config")["data"] == {
        "cas_required": False, "delete_version_after": "0s", "max_versions": 0,
        "metadata_cas_required": False}  # OpenBao's field; pyvault shows it too
    assert client.secrets.kv.v2.configure(
        max_versions=2, cas_required=True, delete_version_after="10m",
        mount_point="kv2-config").status_code == 204
    config = client.secrets.kv.v2.read_configuration(mount_point="kv2-config")["data"]
    assert (config["max_versions"], config["cas_required"], config["delete_version_after"]) \
        == (2, True, "10m0s")
    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.secrets.kv.v2.create_or_update_secret("a", secret={"v": 1},
                                                     mount_point="kv2-config")
    for version in range(3):
        client.secrets.kv.v2.create_or_update_secret("a", secret={"v": version}, cas=version,
                                                     mount_point="kv2-config")
    meta = client.secrets.kv.v2.read_secret_metadata("a", mount_point="kv2-config")["data"]
    assert sorted(meta["versions"]) == ["2", "3"]
