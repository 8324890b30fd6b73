"""The mount table in memory: longest-prefix match from a request path to a backend."""

from __future__ import annotations

from dataclasses import dataclass

from pyvault.framework.backend import Backend
from pyvault.logical.mount_entry import MountEntry
from pyvault.logical.storage import StorageView


@dataclass(slots=True)
class MountRoute:
    entry: MountEntry
    backend: Backend
    view: StorageView


class Router:
    """Maps mount paths to backends; lookups scan paths longest first."""

    def __init__(self) -> None:
        self._mounts: dict[str, MountRoute] = {}
        self._ordered: list[str] = []

    def mount(self, entry: MountEntry, backend: Backend, view: StorageView) -> None:
        self._mounts[entry.path] = MountRoute(entry, backend, view)
        self._ordered = sorted(self._mounts, key=len, reverse=True)

    def unmount(self, path: str) -> None:
        """Drop the mount; its backend instance stops its background work (Vault's
        Cleanup), as a remount or reload builds a fresh one."""
        route = self._mounts.pop(path, None)
        self._ordered = sorted(self._mounts, key=len, reverse=True)
        if route is not None:
            route.backend.cleanup()

    def clear(self) -> None:
        """Teardown (seal, step-down): every backend stops its background work."""
        for route in self._mounts.values():
            route.backend.cleanup()
        self._mounts.clear()
        self._ordered = []

    def match(self, path: str) -> tuple[MountRoute, str] | None:
        """The mount owning ``path`` and the path relative to it."""
        for prefix in self._ordered:
            if path.startswith(prefix):
                return self._mounts[prefix], path[len(prefix) :]
            if path + "/" == prefix:
                return self._mounts[prefix], ""
        return None

    def routes(self) -> list[MountRoute]:
        return [self._mounts[p] for p in sorted(self._mounts)]
