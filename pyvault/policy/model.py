"""Parsed policies: frozen values, no behaviour beyond small helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from pyvault.policy.capability import Capability

__all__ = [
    "ControlGroup",
    "ControlGroupFactor",
    "ParamValues",
    "PathRule",
    "Policy",
    "PolicyError",
    "freeze_value",
]

#: Parameter name (lowercased) → allowed/denied values; an empty tuple means "any value".
ParamValues = Mapping[str, tuple[object, ...]]


def _no_params() -> ParamValues:
    return MappingProxyType({})


class PolicyError(ValueError):
    """A policy Vault would refuse; ``message`` is Vault's error text (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def freeze_value(value: object) -> object:
    """Policy values as immutable data: lists become tuples, maps read-only."""
    if isinstance(value, list | tuple):
        return tuple(freeze_value(item) for item in value)
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze_value(v) for k, v in value.items()})
    return value


@dataclass(frozen=True, slots=True)
class ControlGroupFactor:
    name: str
    controlled_capabilities: tuple[str, ...]
    group_names: tuple[str, ...]
    approvals: int


@dataclass(frozen=True, slots=True)
class ControlGroup:
    """``control_group`` of a path (parsed and validated as OpenBao 2.7.2; not enforced)."""

    ttl: int  # seconds
    factors: tuple[ControlGroupFactor, ...]
    self_auth_allowed: bool = False


@dataclass(frozen=True, slots=True)
class PathRule:
    """One ``path "..." { ... }`` stanza, normalised as Vault's ``PathRules``.

    ``path`` has its leading ``/`` removed and, for a prefix rule, its final
    ``*`` removed (``is_prefix``). Segment-wildcard paths (``+``) keep a final
    ``*``. Wrapping TTLs are whole seconds: the minimum rounded up, the maximum
    down, which decides integer-second requests exactly as Vault does; ``None``
    means unset. ``expiration`` is when the rule stops applying (OpenBao).
    """

    path: str
    capabilities: Capability
    is_prefix: bool = False
    has_segment_wildcards: bool = False
    allowed_parameters: ParamValues = field(default_factory=_no_params)
    denied_parameters: ParamValues = field(default_factory=_no_params)
    required_parameters: tuple[str, ...] = ()
    min_wrapping_ttl: int | None = None
    max_wrapping_ttl: int | None = None
    mfa_methods: tuple[str, ...] = ()
    pagination_limit: int = 0
    response_keys_filter_path: str = ""
    control_group: ControlGroup | None = None
    expiration: datetime | None = None
    templated: bool = False

    @property
    def is_deny(self) -> bool:
        return bool(self.capabilities & Capability.DENY)


@dataclass(frozen=True, slots=True)
class Policy:
    """A named ACL policy: its rules in source order and the text it came from.

    ``templated`` is true when a path uses identity templating
    (``{{identity.entity.id}}``); such rules only apply once filled in for an
    entity, which pyvault does not do yet, so the ACL skips them.
    """

    name: str
    rules: tuple[PathRule, ...]
    raw: str
    templated: bool = False
