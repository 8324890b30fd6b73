"""Merging the rules of several policies for one path, as Vault's ``NewACL`` does.

Capabilities are OR-ed; a ``deny`` anywhere wipes the path (later grants are
ignored). Parameter maps merge per key by concatenating value lists, where an
empty list ("any value") wins; note that a policy *without* parameter limits
does not lift the limits another policy sets on the same path. Wrapping TTL
bounds keep the smaller value, pagination limits the smaller positive one;
the first response-keys filter and control group win.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pyvault.policy.capability import Capability
from pyvault.policy.model import ControlGroup, ParamValues, PathRule

__all__ = ["Permissions", "PermissionsBuilder"]

_SINGLE_CAPS = tuple(cap for cap in Capability if cap is not Capability.NONE)


@dataclass(frozen=True, slots=True)
class Permissions:
    """The merged permissions of one exact, prefix or segment-wildcard path."""

    capabilities: Capability
    allowed_parameters: ParamValues
    denied_parameters: ParamValues
    required_parameters: tuple[str, ...]
    min_wrapping_ttl: int  # seconds, 0 = unset (as Vault)
    max_wrapping_ttl: int
    mfa_methods: tuple[str, ...]
    pagination_limit: int
    response_keys_filter_path: str
    control_group: ControlGroup | None
    granting_policies: Mapping[Capability, tuple[str, ...]]


@dataclass
class PermissionsBuilder:
    capabilities: Capability
    allowed: dict[str, tuple[object, ...]] | None
    denied: dict[str, tuple[object, ...]] | None
    required: list[str]
    min_ttl: int
    max_ttl: int
    mfa: list[str]
    pagination_limit: int
    filter_path: str
    control_group: ControlGroup | None
    granting: dict[Capability, list[str]] = field(default_factory=dict)

    @classmethod
    def start(cls, rule: PathRule, policy_name: str) -> PermissionsBuilder:
        builder = cls(
            capabilities=rule.capabilities,
            allowed=dict(rule.allowed_parameters) if rule.allowed_parameters else None,
            denied=dict(rule.denied_parameters) if rule.denied_parameters else None,
            required=list(rule.required_parameters),
            min_ttl=rule.min_wrapping_ttl or 0,
            max_ttl=rule.max_wrapping_ttl or 0,
            mfa=list(rule.mfa_methods),
            pagination_limit=rule.pagination_limit,
            filter_path=rule.response_keys_filter_path,
            control_group=rule.control_group,
        )
        builder._grant(rule.capabilities, policy_name)
        return builder

    def _grant(self, caps: Capability, policy_name: str) -> None:
        for cap in _SINGLE_CAPS:
            if cap & caps:
                self.granting.setdefault(cap, []).append(policy_name)

    def merge(self, rule: PathRule, policy_name: str) -> None:
        if self.capabilities & Capability.DENY:
            return
        if rule.capabilities & Capability.DENY:
            self.capabilities = Capability.DENY
            self.allowed = None
            self.denied = None
            return
        self.capabilities |= rule.capabilities
        self._grant(rule.capabilities, policy_name)
        new_max = rule.max_wrapping_ttl or 0
        if new_max > 0 and (self.max_ttl == 0 or new_max < self.max_ttl):
            self.max_ttl = new_max
        new_min = rule.min_wrapping_ttl or 0
        if new_min > 0 and (self.min_ttl == 0 or new_min < self.min_ttl):
            self.min_ttl = new_min
        self.allowed = _merge_params(self.allowed, rule.allowed_parameters)
        self.denied = _merge_params(self.denied, rule.denied_parameters)
        for name in rule.required_parameters:
            if name not in self.required:
                self.required.append(name)
        for method in rule.mfa_methods:
            if method not in self.mfa:
                self.mfa.append(method)
        limit = rule.pagination_limit
        if limit > 0 and (self.pagination_limit <= 0 or limit < self.pagination_limit):
            self.pagination_limit = limit
        if rule.response_keys_filter_path and not self.filter_path:
            self.filter_path = rule.response_keys_filter_path

    def build(self) -> Permissions:
        return Permissions(
            capabilities=self.capabilities,
            allowed_parameters=MappingProxyType(dict(self.allowed or {})),
            denied_parameters=MappingProxyType(dict(self.denied or {})),
            required_parameters=tuple(self.required),
            min_wrapping_ttl=self.min_ttl,
            max_wrapping_ttl=self.max_ttl,
            mfa_methods=tuple(self.mfa),
            pagination_limit=self.pagination_limit,
            response_keys_filter_path=self.filter_path,
            control_group=self.control_group,
            granting_policies=MappingProxyType(
                {cap: tuple(names) for cap, names in self.granting.items()}
            ),
        )


def _merge_params(
    existing: dict[str, tuple[object, ...]] | None, new: ParamValues
) -> dict[str, tuple[object, ...]] | None:
    if not new:
        return existing
    if existing is None:
        return dict(new)
    for name, values in new.items():
        if not values or (name in existing and not existing[name]):
            existing[name] = ()
        else:
            existing[name] = values + existing.get(name, ())
    return existing
