"""SIGKILL in the middle of a stream of writes loses nothing that was answered 2xx.

The writes are barrier rotations (each persists the keyring durably before 204);
once the KV engine exists, the KV crash test adds secret writes.
"""

from __future__ import annotations

import threading
import time

from tests.integration.server import PyvaultServer, call


def test_kill_during_writes_keeps_every_acknowledged_write(server: PyvaultServer) -> None:
    config = server.write_config(f'storage "sqlite" {{\n  path = "{server.workdir}/v.db"\n}}')
    server.start(f"-config={config}")
    init = call(server.addr, "PUT", "sys/init", {"secret_shares": 3, "secret_threshold": 2})
    keys, root = init.body["keys"], init.body["root_token"]
    for key in keys[:2]:
        call(server.addr, "PUT", "sys/unseal", {"key": key})

    acknowledged: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            try:
                result = call(server.addr, "PUT", "sys/rotate", token=root)
                if result.status != 204:
                    continue
                term = call(server.addr, "GET", "sys/key-status", token=root).body["term"]
            except OSError:
                return
            with lock:
                acknowledged.append(term)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(acknowledged) < 20:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert acknowledged, "no write was acknowledged before the kill"

    server.start(f"-config={config}")
    for key in keys[1:]:
        call(server.addr, "PUT", "sys/unseal", {"key": key})
    status = call(server.addr, "GET", "sys/key-status", token=root)
    assert status.status == 200
    assert status.body["data"]["term"] >= max(acknowledged)
