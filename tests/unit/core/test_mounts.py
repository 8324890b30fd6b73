"""Mount table behaviour on the Core: disabling a mount removes its data and revokes
its leases; a remount moves no data; the table survives a restart."""

from __future__ import annotations

from pyvault.core.core import Core
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


async def unsealed(physical: InmemBackend) -> tuple[Core, str, str]:
    core = Core(physical, clock=FakeClock())
    await core.open()
    result = await core.initialize(1, 1)
    key = result.keys[0].hex()
    await core.unseal(key)
    return core, result.root_token, key


def req(op: Operation, path: str, token: str, **data: object) -> Request:
    return Request(operation=op, path=path, client_token=token, data=dict(data))


async def test_disable_deletes_data_and_revokes_leases() -> None:
    physical = InmemBackend()
    core, root, _ = await unsealed(physical)
    await core.handle(req(Operation.UPDATE, "sys/mounts/app", root, type="kv"))
    await core.handle(req(Operation.UPDATE, "app/one", root, value="1"))
    entry = core.mounts.get("app/")
    assert entry is not None
    prefix = entry.storage_prefix
    assert await physical.list(prefix) == ["one"]
    owner = await core.tokens.lookup(root)
    assert owner is not None
    lease = await core.expiration.register_secret(
        path="app/one", ttl=3600, renewable=True, owner=owner)
    assert await core.expiration.lookup(lease.lease_id) is not None

    await core.handle(req(Operation.DELETE, "sys/mounts/app", root))
    assert await physical.list(prefix) == []
    assert await core.expiration.lookup(lease.lease_id) is None
    await core.handle(req(Operation.UPDATE, "sys/mounts/app", root, type="kv"))
    assert await core.handle(req(Operation.READ, "app/one", root)) is None


async def test_remount_keeps_data_and_the_table_survives_a_restart() -> None:
    physical = InmemBackend()
    core, root, key = await unsealed(physical)
    await core.handle(req(Operation.UPDATE, "sys/mounts/old", root, type="kv",
                          description="moved"))
    await core.handle(req(Operation.UPDATE, "old/k", root, v="x"))
    await core.handle(req(Operation.UPDATE, "sys/remount", root, **{"from": "old", "to": "new"}))
    moved = await core.handle(req(Operation.READ, "new/k", root))
    assert moved is not None and moved.data == {"v": "x"}

    restarted = Core(physical, clock=FakeClock())
    await restarted.open()
    await restarted.unseal(key)
    entry = restarted.mounts.get("new/")
    assert entry is not None and entry.description == "moved"
    assert restarted.mounts.get("old/") is None
    again = await restarted.handle(req(Operation.READ, "new/k", root))
    assert again is not None and again.data == {"v": "x"}
