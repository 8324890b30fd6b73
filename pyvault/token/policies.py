"""Policy-list helpers with Vault's exact rules (policyutil, strutil)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyvault.logical.errors import InvalidRequest

if TYPE_CHECKING:
    from pyvault.token.role import TokenRole

ROOT = "root"
DEFAULT = "default"
# Policies no token may carry (Vault's policy.NonAssignablePolicies).
NON_ASSIGNABLE = ("response-wrapping", "control-group")


def remove_duplicates(items: Iterable[str], lowercase: bool = True) -> list[str]:
    """strutil.RemoveDuplicates: trimmed, optionally lowercased, no empties, sorted."""
    seen = {(item.strip().lower() if lowercase else item.strip()) for item in items}
    seen.discard("")
    return sorted(seen)


def sanitize_policies(policies: Iterable[str], add_default: bool) -> list[str]:
    """policyutil.SanitizePolicies: ``root`` swallows everything, ``default`` on request."""
    cleaned = [p.strip().lower() for p in policies]
    cleaned = [p for p in cleaned if p]
    if ROOT in cleaned:
        return [ROOT]
    if add_default and DEFAULT not in cleaned:
        cleaned.append(DEFAULT)
    return remove_duplicates(cleaned)


def glob_match(pattern: str, value: str) -> bool:
    """go-glob: ``*`` matches any run of characters; nothing else is special."""
    if pattern == "" or pattern == "*":
        return pattern == value or pattern == "*"
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern == value
    if not value.startswith(parts[0]):
        return False
    position = len(parts[0])
    for part in parts[1:-1]:
        found = value.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return value.endswith(parts[-1]) and len(value) - len(parts[-1]) >= position


def contains_glob(patterns: Iterable[str], value: str) -> bool:
    return any(glob_match(pattern, value) for pattern in patterns)


def is_subset(superset: Iterable[str], subset: Iterable[str]) -> bool:
    have = set(superset)
    return all(item in have for item in subset)


def go_quoted_list(items: Iterable[str]) -> str:
    """Go's ``%q`` of a []string: ``["a" "b"]``."""
    return "[" + " ".join(f'"{item}"' for item in items) + "]"


def resolve_token_policies(
    requested: list[str],
    *,
    no_default_policy: bool,
    role: TokenRole | None,
    parent_policies: list[str],
    is_sudo: bool,
) -> list[str]:
    """The policies a new token gets (Vault's ``resolveTokenPolicies``), or a 400."""
    add_default = False
    role_limits = role is not None and bool(
        role.allowed_policies or role.disallowed_policies
        or role.allowed_policies_glob or role.disallowed_policies_glob
    )
    if role is not None and role_limits:
        policies = _resolve_with_role(requested, role, parent_policies, no_default_policy)
    elif not requested:
        policies = sanitize_policies(parent_policies, add_default=False)
    elif not is_sudo:
        wanted = sanitize_policies(requested, add_default=False)
        if not is_subset(sanitize_policies(parent_policies, add_default=False), wanted):
            raise InvalidRequest("child policies must be subset of parent")
        add_default = not no_default_policy and DEFAULT in parent_policies
        policies = requested
    else:
        add_default = not no_default_policy
        policies = requested
    final = sanitize_policies(policies, add_default=add_default)
    if no_default_policy:
        final = [p for p in final if p != DEFAULT]
    for name in final:
        if name in NON_ASSIGNABLE:
            raise InvalidRequest(f'cannot assign policy "{name}"')
    return final


def _resolve_with_role(
    requested: list[str], role: TokenRole, parent_policies: list[str], no_default_policy: bool
) -> list[str]:
    local_default = (
        not no_default_policy and not role.token_no_default_policy
        and DEFAULT not in role.disallowed_policies
        and not contains_glob(role.disallowed_policies_glob, DEFAULT)
    )
    final = sanitize_policies(requested, local_default) if requested else []
    if role.allowed_policies or role.allowed_policies_glob:
        allowed = sanitize_policies(role.allowed_policies, local_default)
        if not final:
            final = allowed
        else:
            globs = sanitize_policies(role.allowed_policies_glob, add_default=False)
            for policy in final:
                if policy not in allowed and not contains_glob(globs, policy):
                    raise InvalidRequest(
                        f"token policies ({go_quoted_list(final)}) must be subset of the "
                        f"role's allowed policies ({go_quoted_list(allowed)}) or glob "
                        f"policies ({go_quoted_list(globs)})"
                    )
    elif not final:
        final = sanitize_policies(parent_policies, local_default)
    if role.disallowed_policies or role.disallowed_policies_glob:
        denied = remove_duplicates(role.disallowed_policies)
        denied_globs = remove_duplicates(role.disallowed_policies_glob)
        for policy in final:
            if policy in denied or contains_glob(denied_globs, policy):
                raise InvalidRequest(f'token policy "{policy}" is disallowed by this role')
    return final
