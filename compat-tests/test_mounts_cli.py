"""`bao secrets enable|list|tune|move|disable` against both servers.

Outputs were read off OpenBao 2.7.2 with its own CLI. Accessors, uuids, migration ids and
the running plugin version (pyvault reports "v0.1.0+builtin.pyvault", OpenBao
"v2.7.2+builtin.bao": different by design) are checked by pattern, then masked. Table
columns are compared cell by cell because their widths depend on every row of the table.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from typing import Any

from harness import ServerProcess

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ACCESSOR = re.compile(r"^[a-z_]+_[0-9a-f]{8}$")
RUNNING_VERSION = re.compile(r"^v\d+\.\d+\.\d+\+builtin(\.\w+)?$")
DETAILED_HEADER = ["Path", "Plugin", "Accessor", "Default TTL", "Max TTL", "Force No Cache",
                   "Replication", "Seal Wrap", "External Entropy Access", "Options",
                   "Description", "UUID", "Version", "Running Version", "Running SHA256",
                   "Deprecation Status"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def bao(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return server.bao(*args, token="root")


def ok(result: subprocess.CompletedProcess[str], stdout: str) -> None:
    assert (result.returncode, result.stderr) == (0, ""), result
    assert result.stdout == stdout


def api_error(server: ServerProcess, result: subprocess.CompletedProcess[str], prefix: str,
              method: str, path: str, message: str) -> None:
    """The CLI's rendering of a 400 from the API, exit code 2."""
    assert (result.returncode, result.stdout) == (2, ""), result
    assert result.stderr == (
        f"{prefix}: Error making API request.\n\n"
        f"URL: {method} {server.addr}/v1/{path}\n"
        f"Code: 400. Errors:\n\n* {message}\n"
    )


def table(stdout: str) -> list[list[str]]:
    """Rows of a CLI table as cells (columns are separated by two spaces or more)."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def row_of(rows: list[list[str]], path: str) -> list[str]:
    matching = [row for row in rows if row[0] == path]
    assert len(matching) == 1, (path, rows)
    return matching[0]


def masked_row(row: list[str], accessor: int, uuid_at: int | None = None,
               version_at: int | None = None) -> list[str]:
    row = list(row)
    assert ACCESSOR.match(row[accessor]), row
    row[accessor] = "<accessor>"
    if uuid_at is not None:
        assert re.fullmatch(UUID, row[uuid_at]), row
        row[uuid_at] = "<uuid>"
    if version_at is not None:
        assert RUNNING_VERSION.match(row[version_at]), row
        row[version_at] = "<version>"
    return row


def tune_of(server: ServerProcess, path: str) -> dict[str, Any]:
    result = bao(server, "read", "-format=json", f"sys/mounts/{path}/tune")
    assert result.returncode == 0, result
    data: dict[str, Any] = json.loads(result.stdout)["data"]
    return data


def test_enable(dev_server: ServerProcess) -> None:
    one, two, three = unique("cli1"), unique("cli2"), unique("cli3")
    ok(bao(dev_server, "secrets", "enable", f"-path={one}", "kv"),
       f"Success! Enabled the kv secrets engine at: {one}/\n")
    ok(bao(dev_server, "secrets", "enable", "-version=2", f"-path={two}",
           "-description=my kv", "kv"),
       f"Success! Enabled the kv secrets engine at: {two}/\n")
    ok(bao(dev_server, "secrets", "enable", f"-path={three}", "kv-v2"),
       f"Success! Enabled the kv-v2 secrets engine at: {three}/\n")
    listing = bao(dev_server, "secrets", "list", "-format=json")
    assert listing.returncode == 0, listing
    mounts = json.loads(listing.stdout)
    assert mounts[f"{one}/"]["options"] is None  # the CLI sends "options": null
    assert mounts[f"{two}/"]["options"] == {"version": "2"}
    assert mounts[f"{two}/"]["description"] == "my kv"
    assert mounts[f"{three}/"]["options"] == {"version": "2"}
    assert {mounts[f"{p}/"]["type"] for p in (one, two, three)} == {"kv"}


def test_enable_errors(dev_server: ServerProcess) -> None:
    path = unique("clidup")
    ok(bao(dev_server, "secrets", "enable", f"-path={path}", "kv"),
       f"Success! Enabled the kv secrets engine at: {path}/\n")
    api_error(dev_server, bao(dev_server, "secrets", "enable", f"-path={path}", "kv"),
              "Error enabling", "POST", f"sys/mounts/{path}",
              f"path is already in use at {path}/")
    api_error(dev_server, bao(dev_server, "secrets", "enable", f"-path={path}/sub", "kv"),
              "Error enabling", "POST", f"sys/mounts/{path}/sub",
              f"path is already in use at {path}/")
    other = unique("clinope")
    api_error(dev_server, bao(dev_server, "secrets", "enable", f"-path={other}", "nope"),
              "Error enabling", "POST", f"sys/mounts/{other}",
              "plugin not found in the catalog: nope")


def test_list_table(dev_server: ServerProcess) -> None:
    one, two = unique("lst1"), unique("lst2")
    assert bao(dev_server, "secrets", "enable", f"-path={one}", "kv").returncode == 0
    assert bao(dev_server, "secrets", "enable", "-version=2", f"-path={two}",
               "-description=second one", "kv").returncode == 0
    result = bao(dev_server, "secrets", "list")
    assert (result.returncode, result.stderr) == (0, ""), result
    rows = table(result.stdout)
    assert rows[:2] == [["Path", "Type", "Accessor", "Description"],
                        ["----", "----", "--------", "-----------"]]
    assert masked_row(row_of(rows, f"{one}/"), 2) == [f"{one}/", "kv", "<accessor>", "n/a"]
    assert masked_row(row_of(rows, f"{two}/"), 2) == [f"{two}/", "kv", "<accessor>",
                                                       "second one"]
    assert masked_row(row_of(rows, "cubbyhole/"), 2) == [
        "cubbyhole/", "cubbyhole", "<accessor>", "per-token private secret storage"]
    assert masked_row(row_of(rows, "sys/"), 2) == [
        "sys/", "system", "<accessor>",
        "system endpoints used for control, policy and debugging"]
    paths = [row[0] for row in rows[2:]]
    assert paths == sorted(paths)


def test_list_json(dev_server: ServerProcess) -> None:
    path = unique("lstj")
    assert bao(dev_server, "secrets", "enable", "-version=2", f"-path={path}",
               "-description=json", "kv").returncode == 0
    result = bao(dev_server, "secrets", "list", "-format=json")
    assert (result.returncode, result.stderr) == (0, ""), result
    entry = json.loads(result.stdout)[f"{path}/"]
    assert ACCESSOR.match(entry.pop("accessor"))
    assert re.fullmatch(UUID, entry.pop("uuid"))
    assert RUNNING_VERSION.match(entry.pop("running_plugin_version"))
    assert entry == {
        "config": {"default_lease_ttl": 0, "force_no_cache": False, "max_lease_ttl": 0},
        "deprecation_status": "supported", "description": "json",
        "external_entropy_access": False, "local": False, "options": {"version": "2"},
        "plugin_version": "", "running_sha256": "", "seal_wrap": False, "type": "kv",
    }


def test_list_detailed(dev_server: ServerProcess) -> None:
    path = unique("lstd")
    assert bao(dev_server, "secrets", "enable", "-version=2", f"-path={path}",
               "-description=my kv", "-default-lease-ttl=1h", "kv").returncode == 0
    result = bao(dev_server, "secrets", "list", "-detailed")
    assert (result.returncode, result.stderr) == (0, ""), result
    rows = table(result.stdout)
    assert rows[0] == DETAILED_HEADER
    assert rows[1] == ["-" * len(title) for title in DETAILED_HEADER]
    assert masked_row(row_of(rows, f"{path}/"), 2, 11, 13) == [
        f"{path}/", "kv", "<accessor>", "3600", "system", "false", "replicated", "false",
        "false", "map[version:2]", "my kv", "<uuid>", "n/a", "<version>", "n/a", "supported"]
    assert masked_row(row_of(rows, "cubbyhole/"), 2, 11, 13) == [
        "cubbyhole/", "cubbyhole", "<accessor>", "n/a", "n/a", "false", "local", "false",
        "false", "map[]", "per-token private secret storage", "<uuid>", "n/a", "<version>",
        "n/a", "n/a"]
    assert masked_row(row_of(rows, "sys/"), 2, 11, 13) == [
        "sys/", "system", "<accessor>", "n/a", "n/a", "false", "replicated", "true", "false",
        "map[]", "system endpoints used for control, policy and debugging", "<uuid>", "n/a",
        "<version>", "n/a", "n/a"]


def test_tune(dev_server: ServerProcess) -> None:
    path = unique("clitune")
    assert bao(dev_server, "secrets", "enable", f"-path={path}", "kv").returncode == 0
    ok(bao(dev_server, "secrets", "tune", "-default-lease-ttl=1h", path),
       f"Success! Tuned the secrets engine at: {path}/\n")
    assert tune_of(dev_server, path)["default_lease_ttl"] == 3600
    # Each tune sends only what it was given: the default TTL set above stays.
    ok(bao(dev_server, "secrets", "tune", "-max-lease-ttl=5h", path),
       f"Success! Tuned the secrets engine at: {path}/\n")
    ok(bao(dev_server, "secrets", "tune", "-description=tuned", path),
       f"Success! Tuned the secrets engine at: {path}/\n")
    tuned = tune_of(dev_server, path)
    assert (tuned["default_lease_ttl"], tuned["max_lease_ttl"], tuned["description"]) == (
        3600, 18000, "tuned")
    api_error(dev_server, bao(dev_server, "secrets", "tune", "-max-lease-ttl=1m", path),
              f"Error tuning secrets engine {path}/", "POST", f"sys/mounts/{path}/tune",
              "backend max lease TTL of 60 would be less than backend default lease TTL of 3600")


def test_tune_read_table(dev_server: ServerProcess) -> None:
    path = unique("clitread")
    assert bao(dev_server, "secrets", "enable", f"-path={path}", "kv").returncode == 0
    assert bao(dev_server, "secrets", "tune", "-default-lease-ttl=1h", path).returncode == 0
    result = bao(dev_server, "read", f"sys/mounts/{path}/tune")
    assert (result.returncode, result.stderr) == (0, ""), result
    assert table(result.stdout) == [
        ["Key", "Value"], ["---", "-----"], ["default_lease_ttl", "1h"],
        ["description", "n/a"], ["force_no_cache", "false"], ["max_lease_ttl", "768h"]]


def test_tune_upgrades_kv_to_v2(dev_server: ServerProcess) -> None:
    path = unique("cliup")
    assert bao(dev_server, "secrets", "enable", f"-path={path}", "kv").returncode == 0
    ok(bao(dev_server, "secrets", "tune", "-options=version=2", path),
       f"Success! Tuned the secrets engine at: {path}/\n")
    assert tune_of(dev_server, path)["options"] == {"version": "2"}


def test_move_errors(dev_server: ServerProcess) -> None:
    missing, target = unique("climissing"), unique("clito")
    api_error(dev_server, bao(dev_server, "secrets", "move", missing, target),
              f"Error moving secrets engine {missing}/ to {target}/", "POST", "sys/remount",
              f'no matching mount at "{missing}/"')


def test_disable(dev_server: ServerProcess) -> None:
    path = unique("clidis")
    assert bao(dev_server, "secrets", "enable", f"-path={path}", "kv").returncode == 0
    for _ in range(2):  # disabling what is not there also succeeds
        ok(bao(dev_server, "secrets", "disable", path),
           f"Success! Disabled the secrets engine (if it existed) at: {path}/\n")
    mounts = json.loads(bao(dev_server, "secrets", "list", "-format=json").stdout)
    assert f"{path}/" not in mounts
    api_error(dev_server, bao(dev_server, "secrets", "disable", "sys"),
              "Error disabling secrets engine at sys/", "DELETE", "sys/mounts/sys",
              'cannot unmount "sys/"')


def test_full_story(dev_server: ServerProcess) -> None:
    """The brief's sequence: enable x and y (v2), list, tune x, move x to z, disable z."""
    x, y, z = unique("x"), unique("y"), unique("z")
    ok(bao(dev_server, "secrets", "enable", f"-path={x}", "-description=first", "kv"),
       f"Success! Enabled the kv secrets engine at: {x}/\n")
    ok(bao(dev_server, "secrets", "enable", "-version=2", f"-path={y}", "kv"),
       f"Success! Enabled the kv secrets engine at: {y}/\n")
    rows = table(bao(dev_server, "secrets", "list").stdout)
    assert {row[0] for row in rows} >= {f"{x}/", f"{y}/"}
    ok(bao(dev_server, "secrets", "tune", "-default-lease-ttl=1h", x),
       f"Success! Tuned the secrets engine at: {x}/\n")
    moved = bao(dev_server, "secrets", "move", x, z)
    assert (moved.returncode, moved.stderr) == (0, ""), moved
    # The CLI polls sys/remount/status; while the move is still in progress (OpenBao moves
    # in the background) it prints a "Waiting for terminal status" line per poll.
    move = f"secrets engine {x}/ to {z}/, with migration ID"
    match = re.fullmatch(
        f"Started moving {move} ({UUID})\n"
        f"(?:Waiting for terminal status in migration of {move} \\1\n)*"
        f"Success! Finished moving {move} \\1\n", moved.stdout)
    assert match is not None, moved.stdout
    mounts = json.loads(bao(dev_server, "secrets", "list", "-format=json").stdout)
    assert f"{x}/" not in mounts
    assert mounts[f"{z}/"]["description"] == "first"
    assert tune_of(dev_server, z)["default_lease_ttl"] == 3600
    ok(bao(dev_server, "secrets", "disable", z),
       f"Success! Disabled the secrets engine (if it existed) at: {z}/\n")
    rows = table(bao(dev_server, "secrets", "list").stdout)
    assert f"{z}/" not in {row[0] for row in rows}
    assert f"{y}/" in {row[0] for row in rows}
