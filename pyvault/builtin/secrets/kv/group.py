"""What every KV v2 path group shares: the store, the clock, Vault's field handling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyvault.builtin.secrets.kv.model import VersionMeta
from pyvault.builtin.secrets.kv.params import Handler, with_param_warnings
from pyvault.builtin.secrets.kv.store import V2Store
from pyvault.builtin.secrets.kv.timefmt import now_ns
from pyvault.framework.fields import Field
from pyvault.framework.path import PathOperation, ops
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage


class PathGroup:
    def __init__(self, store: V2Store) -> None:
        self.store = store

    def operations(self, fields: Mapping[str, Field],
                   **handlers: Handler) -> dict[Operation, PathOperation]:
        """``ops(...)`` with Vault's ignored/replaced-parameter warnings on each handler."""
        return ops(**{name: with_param_warnings(fields, h) for name, h in handlers.items()})

    async def storage(self, request: Request) -> Storage:
        """The mount's storage, once any pending v1 → v2 upgrade has finished."""
        return await self.store.ready(request.require_storage())

    def now(self) -> int:
        return now_ns(self.store.clock)


def hidden_version(version: VersionMeta, now: int, body: dict[str, Any]) -> Response | None:
    """A soft-deleted or destroyed version answers 404 *with* its body, as Vault."""
    if version.destroyed or version.deleted_at(now):
        return Response(data=body, not_found_with_data=True)
    return None
