"""sys/audit management on pyvault and the reference: fail-closed, refusals, errors."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from audit_support import audit_server, read_entries
from harness import ServerProcess, selected_kinds

FULL = "/dev/full"  # every write fails with ENOSPC: an unwritable audit file


@pytest.fixture(params=selected_kinds())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with audit_server(request.param, tmp_path_factory.mktemp(f"audit-{request.param}")) as s:
        yield s


def _point(link: Path, target: str) -> None:
    tmp = link.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _reopen_until(server: ServerProcess, status: int) -> None:
    """SIGHUP makes file devices reopen their path; wait until it took effect
    (a cheap read answers ``status``), without asserting on how long it took."""
    assert server._proc is not None
    server._proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.request("GET", "/v1/sys/mounts").status_code == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"sys/mounts never answered {status} after SIGHUP")


@pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")
def test_fail_closed_then_second_device(server: ServerProcess) -> None:
    link = server.workdir / "audit-link.log"
    real = server.workdir / "audit-real.log"
    real.touch()
    _point(link, str(real))
    # mode 0000: do not chmod the target (it will be /dev/full for a while).
    body = {"type": "file", "options": {"file_path": str(link), "mode": "0000"}}
    assert server.request("PUT", "/v1/sys/audit/only", json=body).status_code == 204
    assert server.request("PUT", "/v1/sys/mounts/kv", json={"type": "kv"}).status_code == 204

    _point(link, FULL)
    _reopen_until(server, 500)
    refused = server.request("PUT", "/v1/kv/fc", json={"v": "never-stored"})
    assert refused.status_code == 500
    assert refused.json() == {"errors": ["internal error"]}

    _point(link, str(real))
    _reopen_until(server, 200)
    assert server.request("GET", "/v1/kv/fc").status_code == 404  # the write had no effect

    second = server.workdir / "second.log"
    body2 = {"type": "file", "options": {"file_path": str(second)}}
    assert server.request("PUT", "/v1/sys/audit/second", json=body2).status_code == 204
    _point(link, FULL)
    _reopen_until(server, 200)
    assert server.request("PUT", "/v1/kv/fc", json={"v": "stored"}).status_code == 204
    assert server.request("GET", "/v1/kv/fc").json()["data"] == {"v": "stored"}
    paths = [e["request"]["path"] for e in read_entries(second)]
    assert paths.count("kv/fc") >= 2


def test_enable_errors(server: ServerProcess) -> None:
    def enable(path: str, body: Mapping[str, object]) -> tuple[int, list[str]]:
        resp = server.request("PUT", f"/v1/sys/audit/{path}", json=body)
        return resp.status_code, resp.json().get("errors", []) if resp.content else []

    assert enable("a", {}) == (400, ['unknown backend type: ""'])
    assert enable("a", {"type": "bogus"}) == (400, ['unknown backend type: "bogus"'])
    assert enable("a", {"type": "file"}) == (400, ["file_path is required"])
    assert enable("a", {"type": "socket"}) == (400, ["address is required"])
    ok = {"type": "file", "options": {"file_path": "discard"}, "description": "d"}
    assert enable("a", ok)[0] == 204
    assert enable("a", ok) == (400, ["path already in use"])
    assert enable("a/b", ok) == (400, ["path already in use"])
    assert enable("a/", ok) == (400, ["cannot write to a path ending in '/'"])
    listed = server.request("GET", "/v1/sys/audit").json()["data"]
    assert listed["a/"] == {"description": "d", "local": False,
                            "options": {"file_path": "discard"}, "path": "a/", "type": "file"}
    assert server.request("DELETE", "/v1/sys/audit/a").status_code == 204
    assert server.request("DELETE", "/v1/sys/audit/a").status_code == 204  # idempotent
    assert "a/" not in server.request("GET", "/v1/sys/audit").json()["data"]


def test_audit_hash_errors(server: ServerProcess) -> None:
    body = {"type": "file", "options": {"file_path": "discard"}}
    assert server.request("PUT", "/v1/sys/audit/h", json=body).status_code == 204
    missing = server.request("PUT", "/v1/sys/audit-hash/nothere", json={"input": "x"})
    assert (missing.status_code, missing.json()) == (
        400, {"errors": ['unknown audit backend "nothere/"']})
    empty = server.request("PUT", "/v1/sys/audit-hash/h", json={})
    assert (empty.status_code, empty.json()) == (
        400, {"errors": ['the "input" parameter is empty']})
    one = server.request("PUT", "/v1/sys/audit-hash/h", json={"input": "v"}).json()
    two = server.request("PUT", "/v1/sys/audit-hash/h", json={"input": "v"}).json()
    assert one["data"]["hash"] == two["data"]["hash"]
    assert one["data"]["hash"].startswith("hmac-sha256:") and len(one["data"]["hash"]) == 76


def test_api_creation_refused_without_config(dev_server: ServerProcess) -> None:
    """Dev mode has no config file, so neither server allows API-created devices."""
    resp = dev_server.request("PUT", "/v1/sys/audit/f",
                              json={"type": "file", "options": {"file_path": "discard"}})
    assert resp.status_code == 400
    assert resp.json() == {"errors": [
        "cannot enable audit device via API; use declarative, config-based audit device "
        "management instead"]}


NEW_PATHS = [
    ("GET", "/v1/sys/audit", None),
    ("PUT", "/v1/sys/audit/x", {"type": "file", "options": {"file_path": "discard"}}),
    ("DELETE", "/v1/sys/audit/x", None),
    ("PUT", "/v1/sys/audit-hash/x", {"input": "v"}),
    ("GET", "/v1/sys/config/auditing/request-headers", None),
    ("GET", "/v1/sys/config/auditing/request-headers/x-a", None),
    ("PUT", "/v1/sys/config/auditing/request-headers/x-a", {"hmac": True}),
    ("DELETE", "/v1/sys/config/auditing/request-headers/x-a", None),
]


@pytest.mark.parametrize(("method", "path", "body"), NEW_PATHS)
def test_token_without_capability_is_refused(
    dev_server: ServerProcess, method: str, path: str, body: dict[str, object] | None,
) -> None:
    token = dev_server.client().auth.token.create(policies=["default"])["auth"]["client_token"]
    resp = dev_server.request(method, path, token=token, json=body)
    assert (resp.status_code, resp.json()) == (403, {"errors": ["1 error occurred:\n\t* "
                                                                "permission denied\n\n"]})


def test_audited_request_headers(server: ServerProcess) -> None:
    base = "/v1/sys/config/auditing/request-headers"
    assert server.request("PUT", f"{base}/X-Foo", json={"hmac": True}).status_code == 204
    assert server.request("PUT", f"{base}/X-Bar", json={}).status_code == 204
    listed = server.request("GET", base).json()
    expected = {"x-bar": {"hmac": False}, "x-foo": {"hmac": True}}
    assert listed["data"] == {"headers": expected} and listed["headers"] == expected
    one = server.request("GET", f"{base}/x-foo").json()
    assert one["data"] == {"x-foo": {"hmac": True}} and one["x-foo"] == {"hmac": True}
    missing = server.request("GET", f"{base}/nope")
    assert (missing.status_code, missing.json()) == (
        400, {"errors": ["Could not find header in config"]})
    assert server.request("DELETE", f"{base}/nope").status_code == 204
    bad = server.request("PUT", f"{base}/X-Baz", json={"hmac": "zz"})
    assert (bad.status_code, bad.json()) == (400, {"errors": [
        "Field validation failed: error converting input for field \"hmac\": '' cannot parse "
        "value as 'bool': strconv.ParseBool: invalid syntax"]})

    log = server.workdir / "headers.log"
    body = {"type": "file", "options": {"file_path": str(log)}}
    assert server.request("PUT", "/v1/sys/audit/hdr", json=body).status_code == 204
    server.request("GET", "/v1/sys/mounts", headers={"X-Foo": "secretval", "X-Bar": "plain"})
    entry = next(e for e in read_entries(log) if e["request"]["path"] == "sys/mounts")
    hashed = server.request("PUT", "/v1/sys/audit-hash/hdr", json={"input": "secretval"})
    assert entry["request"]["headers"] == {"x-bar": ["plain"],
                                           "x-foo": [hashed.json()["data"]["hash"]]}
    assert server.request("DELETE", f"{base}/X-Bar").status_code == 204
    assert server.request("GET", base).json()["data"] == {"headers": {"x-foo": {"hmac": True}}}


def test_device_options(server: ServerProcess) -> None:
    """log_raw, hmac_accessor, elide_list_responses, prefix and mode on file devices."""
    def enable(name: str, **options: str) -> Path:
        log = server.workdir / f"{name}.log"
        body = {"type": "file", "options": {"file_path": str(log), **options}}
        assert server.request("PUT", f"/v1/sys/audit/{name}", json=body).status_code == 204
        return log

    raw = enable("raw", log_raw="true", hmac_accessor="false")
    elided = enable("elided", elide_list_responses="true", mode="0640")
    prefixed = enable("prefixed", prefix="@cee: ")
    server.request("PUT", "/v1/sys/mounts/kvo", json={"type": "kv"})
    server.request("PUT", "/v1/kvo/a", json={"v": "plain-value"})
    server.request("PUT", "/v1/kvo/b", json={"v": "plain-value"})
    assert server.request("LIST", "/v1/kvo").status_code == 200

    raw_entries = read_entries(raw)
    write = next(e for e in raw_entries if e["request"]["path"] == "kvo/a")
    assert write["request"]["data"] == {"v": "plain-value"}
    assert write["request"]["client_token"] == server.token
    listed = [e for e in read_entries(elided) if e["type"] == "response"
              and e["request"]["operation"] == "list"]
    assert listed[-1]["response"]["data"] == {"keys": 2}
    assert elided.stat().st_mode & 0o777 == 0o640
    lines = prefixed.read_text().splitlines()
    assert lines and all(line.startswith("@cee: {") for line in lines)
