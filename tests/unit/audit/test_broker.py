"""The broker: table, salts behind the barrier, fail-closed fan-out, option errors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyvault.audit.broker import AuditBroker, AuditFailed
from pyvault.audit.devices import AuditSinkError
from pyvault.audit.entry import AuditTrail
from pyvault.audit.table import AuditEntry
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response


class MemStorage:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def put(self, key: str, value: bytes) -> None:
        self.data[key] = value

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def list(self, prefix: str) -> list[str]:
        return sorted({k[len(prefix):].split("/")[0] for k in self.data if k.startswith(prefix)})


class Rand:
    def __init__(self) -> None:
        self.n = 0

    def bytes(self, n: int) -> bytes:
        self.n += 1
        return hashlib.sha256(str(self.n).encode()).digest()[:n].ljust(n, b"\0")


class Clock:
    def now(self) -> float:
        return 1_700_000_000.0

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        return None


class BrokenSink:
    async def write(self, line: bytes) -> None:
        raise AuditSinkError("disk full")

    async def reopen(self) -> None:
        return None

    async def close(self) -> None:
        return None


_OPEN: list[AuditBroker] = []


@pytest.fixture(autouse=True)
async def _close_brokers() -> AsyncIterator[None]:
    """Every broker a test made is unloaded, so no file is left open."""
    yield
    while _OPEN:
        await _OPEN.pop().unload()


def broker(storage: MemStorage | None = None) -> AuditBroker:
    made = AuditBroker(storage or MemStorage(), Rand(), Clock(), allow_api_creation=True)
    _OPEN.append(made)
    return made


def file_entry(path: str, file_path: str, **options: str) -> AuditEntry:
    return AuditEntry(path=path, type="file", options={"file_path": file_path, **options})


def trail(data: dict[str, object] | None = None) -> AuditTrail:
    return AuditTrail(Request(operation=Operation.UPDATE, path="kv/x", data=data or {},
                              client_token="hvs.secret-token", request_id="r1"))


async def test_enable_writes_test_entry_and_persists(tmp_path: Path) -> None:
    storage = MemStorage()
    b = broker(storage)
    assert not b.active
    await b.enable(file_entry("f/", str(tmp_path / "a.log")))
    assert b.active
    lines = (tmp_path / "a.log").read_text().splitlines()
    assert json.loads(lines[0])["request"]["path"] == "sys/audit/test"
    assert any(k.startswith("audit/") and k.endswith("/salt") for k in storage.data)
    again = broker(storage)
    await again.load()
    assert [e.path for e in again.entries()] == ["f/"]
    assert again.hash("f/", "v") == b.hash("f/", "v")


async def test_entries_hash_secrets(tmp_path: Path) -> None:
    b = broker()
    log = tmp_path / "a.log"
    await b.enable(file_entry("f/", str(log)))
    t = trail({"password": "hunter2"})
    await b.log_request(t)
    await b.log_response(t, Response(data={"echo": "hunter2"}))
    text = log.read_text()
    assert "hunter2" not in text and "hvs.secret-token" not in text
    assert b.hash("f/", "hunter2") in text


async def test_log_raw_and_elide(tmp_path: Path) -> None:
    b = broker()
    log = tmp_path / "a.log"
    await b.enable(file_entry("f/", str(log), log_raw="true", elide_list_responses="true"))
    t = AuditTrail(Request(operation=Operation.LIST, path="kv/", request_id="r"))
    await b.log_request(t)
    await b.log_response(t, Response(data={"keys": ["a", "b"]}))
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["response"]["data"] == {"keys": 2}


async def test_fail_closed_when_no_device_accepts(tmp_path: Path) -> None:
    b = broker()
    await b.enable(file_entry("f/", str(tmp_path / "a.log")))
    await b._devices["f/"].sink.close()
    b._devices["f/"].sink = BrokenSink()
    with pytest.raises(AuditFailed):
        await b.log_request(trail())
    assert b.failures == 1
    await b.enable(file_entry("g/", str(tmp_path / "b.log")))
    await b.log_request(trail())  # one healthy device is enough
    assert b.failures == 2


async def test_enable_errors(tmp_path: Path) -> None:
    b = broker()
    cases = [
        (AuditEntry(path="a/", type="nope"), 'unknown backend type: "nope"'),
        (AuditEntry(path="a/", type="file"), "file_path is required"),
        (file_entry("a/", "discard", format="xml"), 'unknown format type "xml"'),
        (file_entry("a/", "discard", log_raw="maybe"),
         'unable to parse \'log_raw\': strconv.ParseBool: parsing "maybe": invalid syntax'),
        (file_entry("a/", "discard", prefix="x"), "audit log prefixing is not allowed; set "
         "allow_audit_log_prefixing in the server configuration"),
        (AuditEntry(path="a/", type="socket"), "address is required"),
        (AuditEntry(path="a/", type="syslog", options={"facility": "nope"}),
         'unknown syslog facility "NOPE"'),
    ]
    for entry, message in cases:
        with pytest.raises(InvalidRequest) as caught:
            await b.enable(entry)
        assert caught.value.messages == [message]
    await b.enable(file_entry("a/", "discard"))
    for path in ("a/", "a/b/"):
        with pytest.raises(InvalidRequest, match="path already in use"):
            await b.enable(file_entry(path, "discard"))
    with pytest.raises(InvalidRequest, match="unknown audit backend"):
        b.hash("zz/", "v")


async def test_socket_device_failing_test_message_is_refused() -> None:
    b = broker()
    entry = AuditEntry(path="s/", type="socket",
                       options={"address": "127.0.0.1:1", "write_timeout": "1s"})
    with pytest.raises(InvalidRequest, match="audit backend failed test message"):
        await b.enable(entry)
    assert not b.active


async def test_reopen_after_rotation(tmp_path: Path) -> None:
    b = broker()
    log = tmp_path / "a.log"
    await b.enable(file_entry("f/", str(log)))
    log.rename(tmp_path / "a.log.1")
    await b.reopen()
    await b.log_request(trail())
    assert log.exists() and "kv/x" in log.read_text()


async def test_disable_and_headers(tmp_path: Path) -> None:
    b = broker()
    log = tmp_path / "a.log"
    await b.enable(file_entry("f/", str(log)))
    await b.set_header("X-Team", hmac=False)
    await b.set_header("X-Secret", hmac=True)
    t = AuditTrail(Request(operation=Operation.READ, path="kv/x", request_id="r",
                           headers={"X-Team": "blue", "X-Secret": "shh"}))
    await b.log_request(t)
    headers = json.loads(log.read_text().splitlines()[-1])["request"]["headers"]
    assert headers == {"x-team": ["blue"], "x-secret": [b.hash("f/", "shh")]}
    await b.delete_header("x-team")
    assert b.audited_headers() == {"x-secret": True}
    assert await b.disable("f/")
    assert not b.active and not await b.disable("f/")


async def test_device_that_cannot_start_stays_in_the_table(tmp_path: Path) -> None:
    storage = MemStorage()
    b = broker(storage)
    await b.enable(file_entry("f/", str(tmp_path / "a.log")))
    await b.enable(file_entry("g/", str(tmp_path / "b.log")))
    await b.unload()
    (tmp_path / "b.log").unlink()
    (tmp_path / "b.log").mkdir()  # g/ can no longer open its file
    again = broker(storage)
    await again.load()
    assert [e.path for e in again.entries()] == ["f/", "g/"]
    await again.enable(file_entry("h/", "discard"))
    with pytest.raises(InvalidRequest, match="path already in use"):
        await again.enable(file_entry("g/", "discard"))
    third = broker(storage)
    await third.load()
    assert [e.path for e in third.entries()] == ["f/", "g/", "h/"]
    assert await third.disable("g/")
    assert [e.path for e in third.entries()] == ["f/", "h/"]
