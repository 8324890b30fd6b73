"""What the sys backend may ask of the core: a narrow interface, so builtin code
never imports core (the arrow points down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pyvault.logical.request import Request


@dataclass(frozen=True, slots=True)
class KeyStatus:
    term: int
    install_time: float
    encryptions: int


class SystemOps(Protocol):
    async def seal_from_request(self, request: Request) -> None: ...

    async def rotate_barrier(self) -> KeyStatus: ...

    def key_status(self) -> KeyStatus: ...
