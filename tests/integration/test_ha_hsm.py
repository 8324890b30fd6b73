"""Auto-unseal through PKCS#11 (SoftHSM2) on an active/standby pair sharing one
PostgreSQL database: both nodes unseal themselves with no operator, the standby
takes over from a killed active node, and a seal migration (Shamir → PKCS#11) done
on one node is picked up by the other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.ha_cluster import Node, pg_tables, storage_block, wait_until
from tests.softhsm import SoftHSMToken, token

__all__ = ["pg_tables", "token"]  # the fixture

pytestmark = pytest.mark.timeout(240)

SECRET = {"code": "4c1d"}


@pytest.fixture
def nodes(tmp_path: Path, pg_tables: tuple[str, str]) -> Iterator[list[Node]]:
    pair = [Node(tmp_path / f"node{i}", storage_block(pg_tables)) for i in range(2)]
    try:
        yield pair
    finally:
        for node in pair:
            node.kill()


def with_seal(node: Node, tables_storage: str, seal: str) -> None:
    node.storage = f"{tables_storage}\n{seal}"


def sealed(node: Node) -> bool:
    return bool(node.call("GET", "sys/seal-status").body["sealed"])


def test_both_nodes_unseal_themselves_and_fail_over(
    nodes: list[Node], token: SoftHSMToken
) -> None:
    first, second = nodes
    storage = first.storage
    # Only one node makes the key (two at once would make two keys of one label).
    with_seal(first, storage, token.seal_block(generate_key=True))
    with_seal(second, storage, token.seal_block(generate_key=False))
    first.start()
    init = first.call("PUT", "sys/init", {"recovery_shares": 3, "recovery_threshold": 2})
    assert init.status == 200, init.body
    root = init.body["root_token"]
    wait_until(lambda: first.health() == 200, 30, "first node active")
    second.start()  # unseals itself through the HSM and stands by
    wait_until(lambda: second.health() == 429, 30, "second node standing by")

    assert second.call("POST", "sys/mounts/kv", {"type": "kv"}, token=root).status == 204
    assert second.call("PUT", "kv/app", SECRET, token=root).status == 204

    first.kill()
    wait_until(lambda: second.health() == 200, 30, "second node active")
    assert second.call("GET", "kv/app", token=root).body["data"] == SECRET

    first.start()  # back as a standby, no operator
    wait_until(lambda: first.health() == 429, 30, "first node standing by again")
    assert first.call("GET", "kv/app", token=root).body["data"] == SECRET  # forwarded
    assert token.pin not in first.log_tail() + second.log_tail()


def test_a_seal_migration_on_one_node_is_picked_up_by_the_other(
    nodes: list[Node], token: SoftHSMToken
) -> None:
    first, second = nodes
    storage = first.storage
    first.start()
    second.start()
    init = first.call("PUT", "sys/init", {"secret_shares": 3, "secret_threshold": 2})
    keys, root = init.body["keys_base64"], init.body["root_token"]
    for node in nodes:
        for key in keys[:2]:
            assert node.call("PUT", "sys/unseal", {"key": key}).status == 200
    wait_until(lambda: {first.health(), second.health()} == {200, 429}, 30, "one active")
    active = first if first.health() == 200 else second
    assert active.call("POST", "sys/mounts/kv", {"type": "kv"}, token=root).status == 204
    assert active.call("PUT", "kv/app", SECRET, token=root).status == 204
    for node in nodes:
        node.stop()

    # Both restart with the HSM configured: a migration is pending on both.
    with_seal(first, storage, token.seal_block(generate_key=True))
    with_seal(second, storage, token.seal_block(generate_key=False))
    first.start()
    second.start()
    for node in nodes:
        status = node.call("GET", "sys/seal-status").body
        assert (status["sealed"], status["migration"], status["type"]) == (True, True, "pkcs11")

    # The operators migrate on one node; it turns active and moves the keys.
    for key in keys[:2]:
        answer = first.call("PUT", "sys/unseal", {"key": key, "migrate": True})
        assert answer.status == 200, answer.body
    wait_until(lambda: first.health() == 200, 30, "migrating node active")
    assert first.call("GET", "sys/seal-status").body["migration"] is False
    assert first.call("GET", "kv/app", token=root).body["data"] == SECRET

    # The other node's retrying auto-unseal now finds the keys under the HSM.
    wait_until(lambda: not sealed(second), 30, "second node unsealed by the HSM")
    wait_until(lambda: second.health() == 429, 30, "second node standing by")
    status = second.call("GET", "sys/seal-status").body
    assert json.dumps([status["migration"], status["t"], status["n"]]) == "[false, 2, 3]"
