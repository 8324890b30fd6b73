"""max_request_duration: an overrunning request ends in TimeoutError (→ 503), others not."""

from __future__ import annotations

import asyncio

import pytest

from pyvault.http.deadline import Deadlines


async def test_fast_work_returns_its_value() -> None:
    deadlines = Deadlines(30.0)
    assert await deadlines.run(asyncio.sleep(0, result="done")) == "done"


async def test_overrunning_work_is_cancelled_with_timeout_error() -> None:
    deadlines = Deadlines(0.05)
    stopped = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(deadlines.run(slow()), timeout=30)
    assert stopped.is_set()
    # The task is usable afterwards: no cancellation is left pending on it.
    assert await deadlines.run(asyncio.sleep(0, result=1)) == 1


async def test_only_the_overrunning_request_is_cancelled() -> None:
    deadlines = Deadlines(0.05)
    release = asyncio.Event()

    async def quick() -> str:
        return await deadlines.run(asyncio.sleep(0, result="quick"))

    async def stuck() -> None:
        await deadlines.run(release.wait())

    stuck_task = asyncio.create_task(stuck())
    assert await quick() == "quick"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(stuck_task, timeout=30)


async def test_an_outside_cancel_stays_a_cancel() -> None:
    deadlines = Deadlines(30.0)
    task = asyncio.create_task(deadlines.run(asyncio.sleep(3600)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
