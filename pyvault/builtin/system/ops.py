"""What the sys backend may ask of the core: a narrow interface, so builtin code
never imports core (the arrow points down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.request import Request


@dataclass(frozen=True, slots=True)
class KeyStatus:
    term: int
    install_time: float
    encryptions: int


@dataclass(frozen=True, slots=True)
class HANode:
    """One row of sys/ha-status."""

    hostname: str
    api_address: str
    cluster_address: str
    active_node: bool
    last_echo: float | None
    version: str


class SystemOps(Protocol):
    async def seal_from_request(self, request: Request) -> None: ...

    async def rotate_barrier(self) -> KeyStatus: ...

    async def step_down(self) -> None: ...

    def key_status(self) -> KeyStatus: ...

    def ha_nodes(self) -> list[HANode]: ...


class MountOps(Protocol):
    """Mount-table operations the sys backend asks of the core."""

    def mount_entries(self, *, auth: bool) -> list[MountEntry]: ...

    def mount_entry(self, path: str) -> MountEntry | None: ...

    def new_mount_entry(self, path: str, type_: str, *, auth: bool) -> MountEntry: ...

    def mount_type_known(self, type_: str, *, auth: bool) -> bool: ...

    async def enable_mount(self, entry: MountEntry) -> None: ...

    async def disable_mount(self, path: str) -> None: ...

    async def move_mount(self, source: str, target: str) -> None: ...

    async def save_mount(self, entry: MountEntry, *, reload: bool) -> None: ...

    async def upgrade_mount(self, entry: MountEntry, old_version: str) -> None: ...

    def system_default_lease_ttl(self) -> int: ...

    def system_max_lease_ttl(self) -> int: ...

    async def ui_mounts(self, request: Request) -> dict[str, dict[str, object]]: ...

    async def ui_mount(self, request: Request, path: str) -> MountEntry: ...
