"""sys/internal/ui/mounts: how the CLI and UI discover mounts (and KV versions)."""

from __future__ import annotations

from pyvault.builtin.system.ops import MountOps
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response


class InternalPaths:
    def __init__(self, mounts: MountOps) -> None:
        self._mounts = mounts

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("internal/ui/mounts",), operations=ops(read=self._list),
                 synopsis="Mounts the caller may see."),
            Path(patterns=("internal/ui/mounts/{path:path}",),
                 fields={"path": Field(type=FieldType.STRING, description="A path in a mount.")},
                 operations=ops(read=self._read),
                 synopsis="The mount that serves a path (the CLI learns KV versions here)."),
        ]

    async def _list(self, request: Request, data: FieldData) -> Response:
        return Response(data=await self._mounts.ui_mounts(request))

    async def _read(self, request: Request, data: FieldData) -> Response:
        entry = await self._mounts.ui_mount(request, data.get_str("path"))
        view = entry.view()
        view["path"] = entry.relative_path
        return Response(data=dict(sorted(view.items())))
