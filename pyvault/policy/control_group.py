"""``control_group`` stanzas, validated with OpenBao 2.7.2's messages.

The checks and their order were learned from the reference server; the ACL
only carries the result along (control groups are not enforced yet).
"""

from __future__ import annotations

from pyvault.policy.goparse import NANOS_PER_SECOND, GoParseError, parse_duration_second
from pyvault.policy.hcl.decode import (
    check_keys,
    decode_any,
    decode_int,
    decode_string_list,
    field_nodes,
    multierror,
    object_list_of,
)
from pyvault.policy.hcl.errors import HCLError, PosError
from pyvault.policy.hcl.nodes import Literal, Node, ObjectItem, TokenType
from pyvault.policy.model import ControlGroup, ControlGroupFactor

__all__ = ["ControlGroupError", "parse_control_groups"]

_OPERATIONS = frozenset(
    {
        "create",
        "read",
        "update",
        "patch",
        "delete",
        "list",
        "scan",
        "help",
        "alias-lookahead",
        "resolve-role",
        "header",
        "revoke",
        "renew",
        "rollback",
    }
)


class ControlGroupError(Exception):
    """Carries the full ``error handling control_group: ...`` text."""


def parse_control_groups(block: Node) -> ControlGroup | None:
    """The last ``control_group`` in a path block (Go keeps the last one decoded)."""
    olist = object_list_of(block)
    if olist is None:
        return None
    result: ControlGroup | None = None
    errors: list[str] = []
    for item in olist.filter("control_group").items:
        try:
            result = _parse_one(item)
        except _Failures as exc:
            errors.extend(exc.messages)
    if errors:
        raise ControlGroupError(f"error handling control_group: {multierror(errors)}")
    return result


class _Failures(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


def _parse_one(item: ObjectItem) -> ControlGroup:
    try:
        bad_keys = check_keys(item.val, ("ttl", "self_auth_allowed", "factor"))
    except HCLError as exc:
        raise _Failures([str(exc)]) from exc
    if bad_keys:
        raise _Failures(bad_keys)
    olist = object_list_of(item.val)
    assert olist is not None  # check_keys accepted it
    ttl_raw: object = None
    self_auth = False
    try:
        for node in field_nodes(olist, "ttl"):
            ttl_raw = decode_any("root.ttl", node)
        for node in field_nodes(olist, "self_auth_allowed"):
            self_auth = _decode_bool("root.self_auth_allowed", node)
    except HCLError as exc:
        raise _Failures([f"path control_group: {exc}"]) from exc
    factors = _parse_factors(olist.filter("factor").items)
    try:
        ttl = parse_duration_second(ttl_raw)
    except GoParseError as exc:
        raise _Failures([f"path control_group: invalid ttl: {exc}"]) from exc
    for factor in factors:
        for op in factor.controlled_capabilities:
            if op not in _OPERATIONS:
                raise _Failures([f"path control_group Operation(s) not valid: {op}"])
    if not factors:
        raise _Failures(["requires at least one factor but had none"])
    for index, factor in enumerate(factors):
        if not factor.controlled_capabilities:
            raise _Failures([f"factor {index}: missing controlled capabilities"])
        if factor.approvals <= 0:
            raise _Failures([f"factor {index}: missing required approvals"])
        if not factor.group_names:
            raise _Failures([f"factor {index}: missing approving groups"])
    return ControlGroup(ttl // NANOS_PER_SECOND, tuple(factors), self_auth)


def _parse_factors(items: list[ObjectItem]) -> list[ControlGroupFactor]:
    factors: list[ControlGroupFactor] = []
    errors: list[str] = []
    for item in items:
        try:
            factors.append(_parse_factor(item))
        except HCLError as exc:
            errors.append(f"path control_group factor: {exc}")
        except _Failures as exc:
            errors.extend(f"path control_group factor: {msg}" for msg in exc.messages)
    if errors:
        raise _Failures([f"error handling control_group factor: {multierror(errors)}"])
    return factors


def _parse_factor(item: ObjectItem) -> ControlGroupFactor:
    bad_keys = check_keys(item.val, ("controlled_capabilities", "identity"))
    if bad_keys:
        raise _Failures(bad_keys)
    olist = object_list_of(item.val)
    assert olist is not None
    caps: list[str] = []
    for node in field_nodes(olist, "controlled_capabilities"):
        decode_string_list("root.controlled_capabilities", node, caps)
    groups: list[str] = []
    approvals = 0
    for node in field_nodes(olist, "identity"):
        inner = object_list_of(node)
        if inner is None:
            message = f"root.Identity: not an object type for struct ({node.go_name})"
            raise PosError(node.pos, message)
        for sub in field_nodes(inner, "group_names"):
            decode_string_list("root.Identity.group_names", sub, groups)
        for sub in field_nodes(inner, "approvals"):
            approvals = decode_int("root.Identity.Approvals", sub)
    if not item.keys:
        raise HCLError("require name key")
    return ControlGroupFactor(item.keys[0].name, tuple(caps), tuple(groups), approvals)


def _decode_bool(name: str, node: Node) -> bool:
    if isinstance(node, Literal) and node.token.type is TokenType.BOOL:
        return node.token.text == "true"
    raise PosError(node.pos, f"{name}: unknown type {node.go_name}")
