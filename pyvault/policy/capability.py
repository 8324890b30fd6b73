"""ACL capabilities as a bit set, in the bit order of Vault's ``policy.go``.

OpenBao 2.7.2 (the reference) accepts ``scan`` besides HashiCorp Vault's set;
``subscribe`` and ``recover`` are rejected as invalid capabilities, so they
are not members. ``root`` is not a capability either: ``sys/capabilities``
answers ``["root"]`` for a root token, see :data:`ROOT_CAPABILITIES`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = [
    "DENY_CAPABILITIES",
    "ROOT_CAPABILITIES",
    "Capability",
    "capabilities_to_strings",
    "capability_from_name",
    "sorted_capability_names",
]


class Capability(enum.Flag):
    NONE = 0
    DENY = enum.auto()
    CREATE = enum.auto()
    READ = enum.auto()
    UPDATE = enum.auto()
    DELETE = enum.auto()
    LIST = enum.auto()
    SUDO = enum.auto()
    PATCH = enum.auto()
    SCAN = enum.auto()

    @classmethod
    def from_strings(cls, names: Iterable[str]) -> Capability:
        """Capabilities named in a policy; ``deny`` among them wipes the rest.

        Raises KeyError for a name Vault does not know.
        """
        result = cls.NONE
        for name in names:
            cap = capability_from_name(name)
            if cap is Capability.DENY:
                return Capability.DENY
            result |= cap
        return result

    def to_strings(self) -> list[str]:
        """Lowercase names in Vault's bit order (deny, create, read, update, ...)."""
        return capabilities_to_strings(self)


_BY_NAME: dict[str, Capability] = {
    "deny": Capability.DENY,
    "create": Capability.CREATE,
    "read": Capability.READ,
    "update": Capability.UPDATE,
    "delete": Capability.DELETE,
    "list": Capability.LIST,
    "sudo": Capability.SUDO,
    "patch": Capability.PATCH,
    "scan": Capability.SCAN,
}
_ORDER: tuple[tuple[str, Capability], ...] = tuple(_BY_NAME.items())

#: What ``sys/capabilities`` answers for a root token.
ROOT_CAPABILITIES: tuple[str, ...] = ("root",)
#: What it answers when nothing (or an explicit deny) applies.
DENY_CAPABILITIES: tuple[str, ...] = ("deny",)


def capability_from_name(name: str) -> Capability:
    """The capability for a lowercase name; KeyError if Vault does not know it."""
    return _BY_NAME[name]


def capabilities_to_strings(caps: Capability) -> list[str]:
    return [name for name, cap in _ORDER if cap & caps]


def sorted_capability_names(caps: Capability) -> list[str]:
    """``sys/capabilities`` order: alphabetical, ``["deny"]`` when deny or empty."""
    if caps & Capability.DENY or not caps & ~Capability.DENY:
        return list(DENY_CAPABILITIES)
    return sorted(capabilities_to_strings(caps))
