"""Active/standby on the Core over a shared in-memory HA store: one node active, the
standby takes over when the active one seals, steps down or stops renewing, and a
node that lost the lock can no longer write (fencing)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from pyvault.core.core import Core, CoreConfig
from pyvault.core.ha import StandbyNode
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.physical.errors import PhysicalError
from pyvault.physical.inmem_ha import InmemHABackend, InmemHANode


def req(op: Operation, path: str, token: str, **data: object) -> Request:
    return Request(operation=op, path=path, client_token=token, data=dict(data))


def node_core(shared: InmemHABackend, name: str) -> tuple[Core, InmemHANode]:
    node = shared.node()
    config = CoreConfig(api_addr=f"http://{name}:8200", cluster_addr=f"https://{name}:8201")
    core = Core(node, config, ha_backend=node)
    core.ha._step_down_wait = 0.3  # type: ignore[union-attr]
    return core, node


async def wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def cluster() -> tuple[list[Core], list[InmemHANode], str, str]:
    shared = InmemHABackend(lease=0.6, renew_interval=0.1, retry_interval=0.05)
    pairs = [node_core(shared, name) for name in ("a", "b")]
    cores = [core for core, _ in pairs]
    nodes = [node for _, node in pairs]
    for core in cores:
        await core.open()
    result = await cores[0].initialize(1, 1)
    key = result.keys[0].hex()
    await cores[0].unseal(key)
    await wait_for(lambda: cores[0].ha is not None and cores[0].ha.active)
    await cores[1].unseal(key)
    yield cores, nodes, result.root_token, key
    for core in cores:
        await core.close()


Cluster = tuple[list[Core], list[InmemHANode], str, str]


async def test_one_active_one_standby(cluster: Cluster) -> None:
    (a, b), _, root, _ = cluster
    await asyncio.sleep(0.2)
    assert a.ha is not None and b.ha is not None
    assert a.ha.active and not a.standby
    assert b.standby and not b.sealed
    leader = await b.ha.leader()
    assert (leader.is_self, leader.held, leader.api_addr) == (False, True, "http://a:8200")
    with pytest.raises(StandbyNode):
        await b.handle(req(Operation.READ, "sys/mounts", root))
    await a.handle(req(Operation.UPDATE, "sys/mounts/kv", root, type="kv"))
    await a.handle(req(Operation.UPDATE, "kv/one", root, v="1"))


async def test_sealing_the_active_node_hands_over(
        cluster: tuple[list[Core], list[InmemHANode], str, str]) -> None:
    (a, b), _, root, key = cluster
    await a.handle(req(Operation.UPDATE, "sys/mounts/kv", root, type="kv"))
    await a.handle(req(Operation.UPDATE, "kv/one", root, v="1"))
    await a.seal()
    await wait_for(lambda: b.ha is not None and b.ha.active)
    answer = await b.handle(req(Operation.READ, "kv/one", root))
    assert answer is not None and answer.data == {"v": "1"}
    # The old node comes back as a standby.
    await a.unseal(key)
    await asyncio.sleep(0.2)
    assert a.standby


async def test_step_down_moves_the_active_role(
        cluster: tuple[list[Core], list[InmemHANode], str, str]) -> None:
    (a, b), _, root, _ = cluster
    await a.handle(req(Operation.UPDATE, "sys/step-down", root))
    await wait_for(lambda: b.ha is not None and b.ha.active)
    assert a.standby
    nodes = await b.handle(req(Operation.READ, "sys/ha-status", root))
    assert nodes is not None and nodes.data is not None
    assert nodes.data["nodes"][0]["api_address"] == "http://b:8200"
    assert nodes.data["nodes"][0]["active_node"] is True


async def test_a_paused_active_node_is_fenced(
        cluster: tuple[list[Core], list[InmemHANode], str, str]) -> None:
    (a, b), (node_a, _), root, _ = cluster
    await a.handle(req(Operation.UPDATE, "sys/mounts/kv", root, type="kv"))
    node_a.paused = True  # renewals stop, as for a SIGSTOPped process
    await wait_for(lambda: b.ha is not None and b.ha.active)
    # Whatever a still believes, the store refuses its writes now.
    with pytest.raises(PhysicalError):
        await node_a.put("logical/x", b"stale")
    await b.handle(req(Operation.UPDATE, "kv/two", root, v="2"))
    node_a.paused = False  # SIGCONT: the old node notices and stands by
    await wait_for(lambda: a.standby)
    answer = await b.handle(req(Operation.READ, "kv/two", root))
    assert answer is not None and answer.data == {"v": "2"}


async def test_a_rekey_while_standing_by_seals_the_standby_on_take_over(
        cluster: tuple[list[Core], list[InmemHANode], str, str]) -> None:
    (a, b), _, _, key = cluster
    from pyvault.core.rekey import RekeyRequest

    nonce = str((await a.rekey.start(RekeyRequest(secret_shares=1, secret_threshold=1)))["nonce"])
    answer = await a.rekey.update(bytes.fromhex(key), nonce)
    assert answer.get("complete")
    await a.seal()
    await wait_for(lambda: b.sealed, within=5)
