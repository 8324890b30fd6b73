"""The periodic runner calls each mount's hook with its storage, survives failures
without logging their text, never overlaps runs of one mount, and stops cleanly."""

from __future__ import annotations

import asyncio
import logging

import pytest

from pyvault.core.core import Core
from pyvault.core.periodic import PeriodicRunner
from pyvault.core.router import Router
from pyvault.framework.backend import Backend, PeriodicFunc
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.storage import StorageView
from pyvault.physical.inmem import InmemBackend
from pyvault.util.clock import FakeClock


def mount(router: Router, physical: InmemBackend, path: str,
          hook: PeriodicFunc | None) -> StorageView:
    entry = MountEntry(path=path, type="test", uuid=path.strip("/"), accessor="acc-" + path)
    view = StorageView(physical, f"logical/{entry.uuid}/")
    router.mount(entry, Backend(paths=[], periodic_func=hook), view)
    return view


async def test_every_mount_runs_with_its_own_storage() -> None:
    router, physical = Router(), InmemBackend()
    seen: list[Request] = []

    async def hook(request: Request) -> None:
        seen.append(request)
        await request.require_storage().put("ran", b"1")

    view_a = mount(router, physical, "a/", hook)
    view_b = mount(router, physical, "b/", hook)
    mount(router, physical, "plain/", None)  # no hook: nothing happens
    runner = PeriodicRunner(router)
    await runner.run_once()
    assert sorted(r.mount_point for r in seen) == ["a/", "b/"]
    assert {r.operation for r in seen} == {Operation.ROLLBACK}
    assert await view_a.get("ran") == b"1" and await view_b.get("ran") == b"1"
    assert await physical.get("logical/plain/ran") is None


async def test_a_failing_hook_is_logged_without_its_text_and_retried(
        caplog: pytest.LogCaptureFixture) -> None:
    router, physical = Router(), InmemBackend()
    calls = {"bad": 0, "good": 0}

    async def bad(request: Request) -> None:
        calls["bad"] += 1
        raise RuntimeError("secret-value-s3cr3t")

    async def good(request: Request) -> None:
        calls["good"] += 1

    mount(router, physical, "bad/", bad)
    mount(router, physical, "good/", good)
    runner = PeriodicRunner(router)
    with caplog.at_level(logging.ERROR, logger="pyvault.core"):
        await runner.run_once()
        await runner.run_once()
    assert calls == {"bad": 2, "good": 2}
    assert "RuntimeError on mount bad/" in caplog.text
    assert "s3cr3t" not in caplog.text


async def test_a_slow_run_is_not_started_twice() -> None:
    router, physical = Router(), InmemBackend()
    release = asyncio.Event()
    started = 0

    async def slow(request: Request) -> None:
        nonlocal started
        started += 1
        await release.wait()

    mount(router, physical, "slow/", slow)
    runner = PeriodicRunner(router)
    first = runner.tick()
    await asyncio.sleep(0)
    assert runner.tick() == []  # still in flight
    release.set()
    await asyncio.gather(*first)
    await runner.run_once()
    assert started == 2


async def test_the_loop_ticks_by_itself_and_stops() -> None:
    router, physical = Router(), InmemBackend()
    ticks = 0
    blocked = asyncio.Event()
    third = asyncio.Event()

    async def hook(request: Request) -> None:
        nonlocal ticks
        ticks += 1
        if ticks >= 3:
            third.set()
            await blocked.wait()  # a run in flight when stop() is called

    mount(router, physical, "m/", hook)
    runner = PeriodicRunner(router, interval=0.01)
    runner.start()
    await asyncio.wait_for(third.wait(), timeout=10)
    assert ticks == 3
    await runner.stop()  # cancels the blocked run too
    after = ticks
    await asyncio.sleep(0.05)
    assert ticks == after
    assert runner.tick() != []  # nothing left marked in flight
    await runner.stop()


async def test_on_a_core_the_runner_reaches_every_mount() -> None:
    """With the core's own router (what Core._setup will start): a PKI mount's auto-tidy
    runs by itself once due, through the barrier-backed mount storage."""
    clock = FakeClock()
    core = Core(InmemBackend(), clock=clock)
    await core.open()
    init = await core.initialize(1, 1)
    await core.unseal(init.keys[0].hex())
    root = init.root_token

    async def call(operation: Operation, path: str, **data: object) -> dict[str, object]:
        answer = await core.handle(Request(operation=operation, path=path, client_token=root,
                                           data=dict(data)))
        return dict(answer.data or {}) if answer is not None else {}

    await call(Operation.UPDATE, "sys/mounts/pki", type="pki")
    await call(Operation.UPDATE, "pki/root/generate/internal", common_name="ca.example",
               key_type="ec", ttl="100h")
    await call(Operation.UPDATE, "pki/roles/r", allow_any_name=True, key_type="ec", ttl="1h")
    await call(Operation.UPDATE, "pki/issue/r", common_name="leaf.example")
    await call(Operation.UPDATE, "pki/config/auto-tidy", enabled=True, tidy_cert_store=True,
               interval_duration="1h", safety_buffer="1h")
    assert len((await call(Operation.LIST, "pki/certs/"))["keys"]) == 2  # type: ignore[arg-type]
    runner = PeriodicRunner(core.router)
    await runner.run_once()
    clock.advance(3 * 3600)
    await runner.run_once()
    status: dict[str, object] = {}
    for _ in range(10_000):  # the tidy runs in the background; poll, no timing
        status = await call(Operation.READ, "pki/tidy-status")
        if status["state"] == "Finished":
            break
        await asyncio.sleep(0)
    assert status["state"] == "Finished" and status["cert_store_deleted_count"] == 1
    assert len((await call(Operation.LIST, "pki/certs/"))["keys"]) == 1  # type: ignore[arg-type]
    await core.close()
