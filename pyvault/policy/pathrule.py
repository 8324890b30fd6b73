"""One ``path`` stanza → :class:`PathRule`, with Vault's checks in Vault's order.

The order matters because only the first error is reported. It follows
``parsePaths`` in OpenBao's ``policy.go``; the message prefixes (some errors
say ``path "x": path "x": ...``) were taken from the 2.7.2 reference server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from pyvault.policy.capability import Capability, capability_from_name
from pyvault.policy.control_group import ControlGroupError, parse_control_groups
from pyvault.policy.goparse import (
    NANOS_PER_SECOND,
    GoParseError,
    parse_absolute_time,
    parse_duration_second,
)
from pyvault.policy.hcl.decode import (
    check_keys,
    decode_any,
    decode_int,
    decode_param_map,
    decode_string,
    decode_string_list,
    field_nodes,
    multierror,
    object_list_of,
)
from pyvault.policy.hcl.errors import HCLError
from pyvault.policy.hcl.nodes import ObjectItem, ObjectList
from pyvault.policy.hcl.quote import go_quote
from pyvault.policy.model import PathRule, freeze_value
from pyvault.policy.templating import TemplateError, check_filter_template, has_templating

__all__ = ["RuleError", "parse_path_item"]

VALID_KEYS = (
    "comment",
    "policy",
    "capabilities",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "mfa_methods",
    "pagination_limit",
    "expiration",
    "list_scan_response_keys_filter_path",
    "control_group",
)

_LEGACY = {
    "read": ("read", "list"),
    "write": ("create", "read", "update", "delete", "list"),
    "sudo": ("create", "read", "update", "delete", "list", "sudo"),
}


class RuleError(Exception):
    """The message after ``failed to parse policy: ``."""


@dataclass
class _Fields:
    """What Go's decoder puts into ``PathRules`` (decoded in struct field order)."""

    policy: str = ""
    capabilities: list[str] = field(default_factory=list)
    expiration: str = ""
    min_wrapping_ttl: object = None
    max_wrapping_ttl: object = None
    allowed: dict[str, list[object]] | None = None
    denied: dict[str, list[object]] | None = None
    required: list[str] = field(default_factory=list)
    mfa_methods: list[str] = field(default_factory=list)
    pagination_limit: int = 0
    filter_path: str = ""


def _decode_fields(olist: ObjectList) -> _Fields:
    out = _Fields()
    for node in field_nodes(olist, "Policy"):
        out.policy = decode_string("root.Policy", node)
    for node in field_nodes(olist, "Capabilities"):
        decode_string_list("root.Capabilities", node, out.capabilities)
    for node in field_nodes(olist, "expiration"):
        out.expiration = decode_string("root.expiration", node)
    for node in field_nodes(olist, "min_wrapping_ttl"):
        out.min_wrapping_ttl = decode_any("root.min_wrapping_ttl", node)
    for node in field_nodes(olist, "max_wrapping_ttl"):
        out.max_wrapping_ttl = decode_any("root.max_wrapping_ttl", node)
    for node in field_nodes(olist, "allowed_parameters"):
        out.allowed = {} if out.allowed is None else out.allowed
        decode_param_map("root.allowed_parameters", node, out.allowed)
    for node in field_nodes(olist, "denied_parameters"):
        out.denied = {} if out.denied is None else out.denied
        decode_param_map("root.denied_parameters", node, out.denied)
    for node in field_nodes(olist, "required_parameters"):
        decode_string_list("root.required_parameters", node, out.required)
    for node in field_nodes(olist, "mfa_methods"):
        decode_string_list("root.mfa_methods", node, out.mfa_methods)
    for node in field_nodes(olist, "pagination_limit"):
        out.pagination_limit = decode_int("root.pagination_limit", node)
    for node in field_nodes(olist, "list_scan_response_keys_filter_path"):
        out.filter_path = decode_string("root.list_scan_response_keys_filter_path", node)
    return out


def parse_path_item(item: ObjectItem, *, now: datetime | None) -> PathRule | None:
    """Parse one item of ``path``; None when it has expired. Raises RuleError."""
    key = item.keys[0].name if item.keys else "path"
    try:
        return _parse(key, item, now)
    except _Fail as exc:
        raise RuleError(f"path {go_quote(key)}: {exc}") from exc


class _Fail(Exception):
    pass


def _parse(key: str, item: ObjectItem, now: datetime | None) -> PathRule | None:
    try:
        templated = has_templating(key)
    except TemplateError as exc:
        raise _Fail(f"failed to validate policy templating: {exc}") from exc
    try:
        bad_keys = check_keys(item.val, VALID_KEYS)
    except HCLError as exc:
        raise _Fail(str(exc)) from exc
    if bad_keys:
        raise _Fail(multierror(bad_keys))
    try:
        control_group = parse_control_groups(item.val)
    except ControlGroupError as exc:
        raise _Fail(str(exc)) from exc
    olist = object_list_of(item.val)
    assert olist is not None  # check_keys accepted it
    try:
        fields = _decode_fields(olist)
    except HCLError as exc:
        raise _Fail(f"path {go_quote(key)}: {exc}") from exc
    expiration = _expiration(key, fields.expiration)
    if expiration is not None and now is not None and now > expiration:
        return None
    path = key[1:] if key.startswith("/") else key
    if "+*" in path:
        raise _Fail(f"path {go_quote(path)}: invalid use of wildcards ('+*' is forbidden)")
    segment = path == "+" or "/+" in path or path.startswith("+/")
    prefix = path.endswith("*") and not segment
    rule = PathRule(
        path=path[:-1] if prefix else path,
        capabilities=_capabilities(key, fields),
        is_prefix=prefix,
        has_segment_wildcards=segment,
        control_group=control_group,
        expiration=expiration,
        templated=templated,
    )
    if rule.capabilities is Capability.DENY:
        return rule  # Vault keeps nothing else of a deny stanza
    return _with_permissions(rule, fields)


def _expiration(key: str, raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return parse_absolute_time(raw)
    except GoParseError as exc:
        raise _Fail(f"path {go_quote(key)}: invalid expiration time: {exc}") from exc


def _capabilities(key: str, fields: _Fields) -> Capability:
    names = list(fields.capabilities)
    if fields.policy:
        if fields.policy == "deny":
            names = ["deny"]
        elif fields.policy in _LEGACY:
            names.extend(_LEGACY[fields.policy])
        else:
            raise _Fail(f"path {go_quote(key)}: invalid policy {go_quote(fields.policy)}")
    caps = Capability.NONE
    for name in names:
        try:
            cap = capability_from_name(name)
        except KeyError:
            raise _Fail(f"path {go_quote(key)}: invalid capability {go_quote(name)}") from None
        if cap is Capability.DENY:
            return Capability.DENY
        caps |= cap
    return caps


def _wrap_ttl(name: str, raw: object) -> int:
    try:
        return parse_duration_second(raw)
    except GoParseError as exc:
        raise _Fail(f"error parsing {name}: {exc}") from exc


def _with_permissions(rule: PathRule, fields: _Fields) -> PathRule:
    allowed = _params(fields.allowed)
    denied = _params(fields.denied)
    min_ns = _wrap_ttl("min_wrapping_ttl", fields.min_wrapping_ttl)
    max_ns = _wrap_ttl("max_wrapping_ttl", fields.max_wrapping_ttl)
    if min_ns and max_ns and max_ns < min_ns:
        raise _Fail("max_wrapping_ttl cannot be less than min_wrapping_ttl")
    if fields.filter_path:
        if not rule.capabilities & Capability.LIST:
            raise _Fail(
                "list_scan_response_keys_filter_path needs to be used on a path "
                "with the list capability"
            )
        try:
            check_filter_template(fields.filter_path, rule.path)
        except TemplateError as exc:
            raise _Fail(str(exc)) from exc
    return replace(
        rule,
        allowed_parameters=allowed,
        denied_parameters=denied,
        required_parameters=tuple(fields.required),
        min_wrapping_ttl=math.ceil(min_ns / NANOS_PER_SECOND) if min_ns else None,
        max_wrapping_ttl=math.floor(max_ns / NANOS_PER_SECOND) if max_ns else None,
        mfa_methods=tuple(fields.mfa_methods),
        pagination_limit=fields.pagination_limit,
        response_keys_filter_path=fields.filter_path,
    )


def _params(raw: dict[str, list[object]] | None) -> MappingProxyType[str, tuple[object, ...]]:
    if not raw:
        return MappingProxyType({})
    lowered: dict[str, tuple[object, ...]] = {}
    for name, values in raw.items():
        frozen = freeze_value(values)
        lowered[name.lower()] = frozen if isinstance(frozen, tuple) else (frozen,)
    return MappingProxyType(lowered)
