"""What a backend may know about the server around it (Vault's SystemView)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pyvault.crypto.random import RandomSource
from pyvault.util.clock import Clock


class SystemView(Protocol):
    def default_lease_ttl(self) -> int:
        """The mount's default lease TTL in seconds (mount tune, else the server's)."""
        ...

    def max_lease_ttl(self) -> int:
        """The mount's maximum lease TTL in seconds (mount tune, else the server's)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendConfig:
    """Everything a backend factory gets: no access to the core beyond this."""

    system: SystemView
    clock: Clock
    random: RandomSource
    mount_type: str
    options: dict[str, str] = field(default_factory=dict)
