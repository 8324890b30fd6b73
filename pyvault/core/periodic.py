"""The periodic half of Vault's rollback manager: while the node is active, every
mounted backend's periodic hook runs about once a ``interval`` (PKI's auto-tidy and CRL
auto-rebuild live there).

Each mount runs in its own task and at most one run per mount is in flight: a slow
tidy on one mount neither delays the others nor piles up behind itself. A failing hook
is logged (its type and, for Vault errors, their user-facing text; never arbitrary
exception text, which might carry data) and retried on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pyvault.core.router import MountRoute, Router
from pyvault.logical.errors import VaultError
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request

log = logging.getLogger("pyvault.core")

DEFAULT_INTERVAL = 60.0


class PeriodicRunner:
    def __init__(self, router: Router, interval: float = DEFAULT_INTERVAL) -> None:
        self._router = router
        self.interval = interval
        self._loop_task: asyncio.Task[None] | None = None
        self._running: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Stop ticking and cancel the runs in flight (sealing or stepping down)."""
        task, self._loop_task = self._loop_task, None
        running, self._running = list(self._running.values()), {}
        for pending in ([task] if task else []) + running:
            pending.cancel()
        for pending in ([task] if task else []) + running:
            with contextlib.suppress(asyncio.CancelledError):
                await pending

    def tick(self) -> list[asyncio.Task[None]]:
        """Start one run for every mount that has none in flight; the started tasks."""
        started = []
        for route in self._router.routes():
            path = route.entry.path
            previous = self._running.get(path)
            if previous is not None and not previous.done():
                continue
            task = asyncio.get_running_loop().create_task(self._run(route))
            self._running[path] = task
            started.append(task)
        return started

    async def run_once(self) -> None:
        """One tick, waiting for the runs it started (what tests drive)."""
        started = self.tick()
        if started:
            await asyncio.gather(*started)

    async def _run(self, route: MountRoute) -> None:
        entry = route.entry
        request = Request(operation=Operation.ROLLBACK, path="", storage=route.view,
                          mount_point=entry.path, mount_type=entry.type,
                          mount_accessor=entry.accessor)
        try:
            await route.backend.periodic(request)
        except asyncio.CancelledError:
            raise
        except VaultError as exc:
            log.error("periodic: %s on mount %s: %s", type(exc).__name__, entry.path, exc)
        except Exception as exc:  # one mount's failure must not stop the others or the loop
            log.error("periodic: %s on mount %s", type(exc).__name__, entry.path)
        finally:
            if self._running.get(entry.path) is asyncio.current_task():
                del self._running[entry.path]

    async def _loop(self) -> None:
        # Real time on purpose (as the key-rotation loop): tests call run_once() instead.
        while True:
            await asyncio.sleep(self.interval)
            self.tick()
