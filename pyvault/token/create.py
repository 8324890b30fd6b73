"""auth/token/create*: Vault's ``handleCreateCommon``, check for check, in Vault's order.

The order matters: clients see the first failing check's message, and the
reference server is the judge of which one that is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyvault.expiration.ttl import calculate_ttl
from pyvault.framework.field_data import FieldData
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.context import TokenContext
from pyvault.token.durations import parse_duration_second
from pyvault.token.entry import TokenEntry
from pyvault.token.policies import ROOT, contains_glob, resolve_token_policies
from pyvault.token.role import TokenRole
from pyvault.token.view import auth_block

_DISPLAY_NAME_SANITIZE = re.compile(r"[^a-zA-Z0-9-]")


@dataclass(slots=True)
class _Plan:
    """What the checks decided, before the token exists."""

    token_type: str = "service"
    renewable: bool = True
    num_uses: int = 0
    path: str = ""
    display_name: str = "token"
    orphan: bool = False
    entity_id: str = ""
    bound_cidrs: list[str] = field(default_factory=list)
    explicit_max_ttl: int = 0  # the request's, stored on the token
    period: int = 0  # the request's, stored on the token
    ttl: int = 0
    warnings: list[str] = field(default_factory=list)


async def create_token(
    ctx: TokenContext, request: Request, data: FieldData, *, orphan: bool,
    role: TokenRole | None,
) -> Response:
    parent = await ctx.caller(request)
    if parent is None:
        raise InvalidRequest("parent token lookup failed: no parent found")
    if parent.token_type == "batch":
        raise InvalidRequest("batch tokens cannot create more tokens")
    if parent.num_uses > 0:
        raise InvalidRequest("restricted use token cannot generate child tokens")
    is_sudo = await ctx.is_sudo(request, parent)
    plan = _Plan(path=ctx.full_path(request))
    _decide_type(plan, data, role)
    if plan.num_uses < 0:
        raise InvalidRequest("number of uses cannot be negative")
    _check_entity_alias(data, role)
    meta = data.get_map("meta") if data.given("meta") else None
    if role is not None:
        _apply_role_basics(plan, role)
    if display_name := data.get_str("display_name"):
        full = _DISPLAY_NAME_SANITIZE.sub("-", "token-" + display_name)
        plan.display_name = full.removesuffix("-")
    token_id = data.get_str("id")
    if token_id and not is_sudo:
        raise InvalidRequest("root or sudo privileges required to specify token id")
    policies = resolve_token_policies(
        data.get_list("policies"), no_default_policy=data.get_bool("no_default_policy"),
        role=role, parent_policies=parent.policies, is_sudo=is_sudo,
    )
    if ROOT in policies:
        if ROOT not in parent.policies:
            raise InvalidRequest(
                "root tokens may not be created without parent token being root"
            )
        if plan.token_type == "batch":
            raise InvalidRequest("batch tokens cannot be root tokens")
    _decide_parentage(plan, data, role, parent, orphan, is_sudo)
    explicit_max, period = _merge_ttls(plan, data, role, is_sudo)
    _decide_ttl(ctx, plan, policies, parent, explicit_max, period)
    token, entry = await ctx.store.create_token(
        policies=policies, parent=parent, orphan=plan.orphan, ttl=plan.ttl,
        explicit_max_ttl=plan.explicit_max_ttl, period=plan.period, num_uses=plan.num_uses,
        renewable=plan.renewable, display_name=plan.display_name, meta=meta, path=plan.path,
        token_type=plan.token_type, token_id=token_id or None, no_default_policy=True,
        role=role.name if role else "", entity_id=plan.entity_id, bound_cidrs=plan.bound_cidrs,
    )
    response = Response(auth=auth_block(entry, token, ttl=plan.ttl, renewable=entry.renewable),
                        warnings=plan.warnings)
    if ctx.policy_exists is not None:
        for name in entry.policies:
            if not await ctx.policy_exists(name):
                response.warnings.append(f'Policy "{name}" does not exist')
    return response


def _decide_type(plan: _Plan, data: FieldData, role: TokenRole | None) -> None:
    wanted = data.get_str("type")
    if role is not None:
        match role.token_type:
            case "default-service":
                pass
            case "default-batch":
                wanted = wanted or "batch"
            case "service" | "batch":
                wanted = role.token_type
            case _:
                raise InvalidRequest(
                    "role being used for token creation contains invalid token type "
                    f'"{role.token_type}"'
                )
    plan.renewable = data.get_bool("renewable")
    plan.num_uses = data.get_int("num_uses")
    if wanted in ("", "service"):
        return
    if wanted != "batch":
        raise InvalidRequest("invalid 'token_type' value")
    bad = ""
    explicit_raw, period_raw = data.get_str("explicit_max_ttl"), data.get_str("period")
    # A Go switch: only the first present setting is looked at.
    if explicit_raw != "":
        if (value := _parse_or_none(explicit_raw)) is None:
            raise InvalidRequest("'explicit_max_ttl' value could not be parsed")
        bad = "explicit_max_ttl" if value else ""
    elif plan.num_uses != 0:
        bad = "num_uses"
    elif period_raw != "":
        if (value := _parse_or_none(period_raw)) is None:
            raise InvalidRequest("'period' value could not be parsed")
        bad = "period" if value else ""
    if bad:
        raise InvalidRequest(f'batch tokens cannot have "{bad}" set')
    plan.token_type = "batch"
    plan.renewable = False


def _parse_or_none(text: str) -> int | None:
    try:
        return parse_duration_second(text)
    except InvalidRequest:
        return None


def _check_entity_alias(data: FieldData, role: TokenRole | None) -> None:
    alias = data.get_str("entity_alias")
    if not alias:
        return
    if role is None:
        raise InvalidRequest("'entity_alias' is only allowed in combination with token role")
    allowed = role.allowed_entity_aliases or []
    lowered = alias.lower()
    if lowered not in allowed and not contains_glob(allowed, lowered):
        raise InvalidRequest("invalid 'entity_alias' value")
    raise InvalidRequest("entity aliases need the identity store, which this server lacks")


def _apply_role_basics(plan: _Plan, role: TokenRole) -> None:
    if plan.renewable and not role.renewable:
        plan.renewable = False
    if role.token_num_uses and (plan.num_uses == 0 or role.token_num_uses < plan.num_uses):
        plan.num_uses = role.token_num_uses
    if role.path_suffix:
        plan.path = f"{plan.path}/{role.path_suffix}"


def _decide_parentage(
    plan: _Plan, data: FieldData, role: TokenRole | None, parent: TokenEntry,
    orphan: bool, is_sudo: bool,
) -> None:
    if role is not None:
        plan.orphan = role.orphan
        if role.token_bound_cidrs:
            plan.bound_cidrs = list(role.token_bound_cidrs)
    elif data.get_bool("no_parent"):
        if not is_sudo:
            raise InvalidRequest("root or sudo privileges required to create orphan token")
        plan.orphan = True
    else:
        plan.orphan = orphan
    if not plan.orphan:
        plan.entity_id = parent.entity_id
        if role is None:
            plan.bound_cidrs = list(parent.bound_cidrs)


def _merge_ttls(
    plan: _Plan, data: FieldData, role: TokenRole | None, is_sudo: bool
) -> tuple[int, int]:
    """Vault's ``parseAndMergeTTLPeriod``: the explicit max TTL and period to apply."""
    explicit_max = 0
    if raw := data.get_str("explicit_max_ttl"):
        explicit_max = parse_duration_second(raw)
        if explicit_max < 0:
            raise InvalidRequest("explicit_max_ttl must be positive")
        plan.explicit_max_ttl = explicit_max
    period = 0
    if raw := data.get_str("period"):
        value = parse_duration_second(raw)
        if value < 0:
            raise InvalidRequest("period must be positive")
        if value > 0:
            if not is_sudo:
                raise InvalidRequest("root or sudo privileges required to create periodic token")
            plan.period = period = value
    for name in ("ttl", "lease"):
        if raw := data.get_str(name):
            value = parse_duration_second(raw)
            if value < 0:
                raise InvalidRequest(f"{name} must be positive")
            plan.ttl = value
            break
    if role is not None and plan.token_type != "batch":
        if role.token_explicit_max_ttl:
            if explicit_max == 0:
                explicit_max = role.token_explicit_max_ttl
            else:
                explicit_max = min(explicit_max, role.token_explicit_max_ttl)
                plan.warnings.append(
                    "Explicit max TTL specified both during creation call and in role; "
                    f"using the lesser value of {explicit_max} seconds"
                )
        if role.token_period:
            if period == 0:
                period = role.token_period
            else:
                period = min(period, role.token_period)
                plan.warnings.append(
                    "Period specified both during creation call and in role; "
                    f"using the lesser value of {period} seconds"
                )
    return explicit_max, period


def _decide_ttl(
    ctx: TokenContext, plan: _Plan, policies: list[str], parent: TokenEntry,
    explicit_max: int, period: int,
) -> None:
    if period > 0 or plan.ttl > 0 or ROOT not in policies:
        plan.ttl, warnings = calculate_ttl(
            default_ttl=ctx.system.default_lease_ttl(), max_ttl=ctx.system.max_lease_ttl(),
            now=ctx.store.now(), backend_ttl=plan.ttl, period=period,
            explicit_max_ttl=explicit_max,
        )
        plan.warnings.extend(warnings)
    if plan.ttl == 0 and explicit_max > 0:
        plan.ttl = explicit_max  # root tokens are still bound by an explicit max TTL
    if plan.ttl == 0:
        if parent.ttl != 0:
            raise InvalidRequest("expiring root tokens cannot create non-expiring root tokens")
        plan.renewable = False
        plan.bound_cidrs = []
