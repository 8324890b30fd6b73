"""The PKI mount's periodic hook (Vault's periodicFunc, run by the core about once a
minute): keep auto-rebuilt CRLs fresh, then start auto-tidy when it is due."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pyvault.builtin.secrets.pki.crl import periodic_rebuild
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.path_tidy import TidyPaths
from pyvault.logical.request import Request


def periodic_func(engine: Engine, tidy: TidyPaths) -> Callable[[Request], Awaitable[None]]:
    async def run(request: Request) -> None:
        store = engine.store(request)
        await periodic_rebuild(store, engine.config.clock.now())
        await tidy.start_auto(store)
    return run
