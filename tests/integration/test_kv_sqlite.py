"""KV on SQLite through the real server: secrets are not readable in the database
file, and a SIGKILL during a stream of KV writes loses no acknowledged version."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.integration.server import PyvaultServer, call


def start(server: PyvaultServer) -> tuple[list[str], str, Path]:
    db = server.workdir / "kv.db"
    config = server.write_config(f'storage "sqlite" {{\n  path = "{db}"\n}}')
    server.start(f"-config={config}")
    init = call(server.addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1})
    keys, root = init.body["keys"], init.body["root_token"]
    call(server.addr, "PUT", "sys/unseal", {"key": keys[0]})
    enabled = call(server.addr, "POST", "sys/mounts/secret",
                   {"type": "kv", "options": {"version": "2"}}, token=root)
    assert enabled.status == 204
    return keys, root, db


def test_secret_values_are_not_in_the_database_file(server: PyvaultServer) -> None:
    _, root, db = start(server)
    marker = "correct-horse-battery-staple-4711"
    written = call(server.addr, "POST", "secret/data/app/db",
                   {"data": {"password": marker, "user": "svc-" + marker}}, token=root)
    assert written.status == 200
    read = call(server.addr, "GET", "secret/data/app/db", token=root)
    assert read.body["data"]["data"]["password"] == marker
    server.stop()
    stored = b"".join(p.read_bytes() for p in db.parent.glob("kv.db*"))
    assert stored
    assert marker.encode() not in stored
    assert root.encode() not in stored


def test_sigkill_during_kv_writes_keeps_every_acknowledged_version(
    server: PyvaultServer,
) -> None:
    keys, root, _ = start(server)
    acknowledged: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        count = 0
        while not stop.is_set():
            key = f"w{worker}"
            try:
                result = call(server.addr, "POST", f"secret/data/{key}",
                              {"data": {"n": count}}, token=root)
            except OSError:
                return
            if result.status == 200:
                with lock:
                    acknowledged[key] = result.body["data"]["version"]
                count += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(acknowledged.values()) < 60:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert acknowledged

    server.start(f"-config={server.workdir / 'server.hcl'}")
    call(server.addr, "PUT", "sys/unseal", {"key": keys[0]})
    for key, version in acknowledged.items():
        current = call(server.addr, "GET", f"secret/data/{key}", token=root)
        assert current.status == 200
        assert current.body["data"]["metadata"]["version"] >= version
        old = call(server.addr, "GET", f"secret/data/{key}?version={version}", token=root)
        assert old.status == 200 and old.body["data"]["data"] == {"n": version - 1}
