"""role/<name>/<field>: read (GET), set (POST/PUT) or reset (DELETE) one role setting.

Every endpoint comes from one row of :data:`ROLE_FIELD_TABLE`; three generic handlers
serve them all. Behaviour follows Vault's approle: a read of a missing role is 404
with no errors, a write to one is 404 ``unsupported path``, a reset of one is a no-op
204; a write that gives none of the row's fields is refused with the row's
``missing`` text, or ignored (204) when the row has none (the CIDR rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyvault.builtin.auth.approle.model import RoleEntry, load_role, parse_cidr_blocks, save_role
from pyvault.builtin.auth.approle.path_role import (
    ROLE_FIELDS,
    ROLE_NAME,
    check_constraints,
    role_name,
)
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.builtin.auth.tokenutil import parse_cidr_list, parse_policies
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, NotFound, UnsupportedPath, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.system_view import SystemView

Getter = Callable[[RoleEntry], Any]
Setter = Callable[[RoleEntry, Any], None]
Parser = Callable[[Any], Any]
Check = Callable[[RoleEntry, SystemView], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleField:
    """One per-field endpoint. The value lives in the RoleEntry attribute named ``key``
    (on ``role.token`` when ``token``) unless ``get``/``put`` say otherwise. ``legacy``
    names a deprecated alias that is also a RoleEntry attribute (``policies``,
    ``period``): given alone it sets both; it is read back only while set, as Vault does."""

    segment: str
    key: str
    token: bool = False
    read_only: bool = False
    default: Any = None  # what DELETE restores
    get: Getter | None = None
    put: Setter | None = None
    reset: Setter | None = None  # DELETE; defaults to ``put(role, default)``
    parse: Parser | None = None
    check: Check | None = None
    legacy: str = ""
    missing: str = ""  # "" = a write without the field changes nothing
    warning: str = ""
    synopsis: str = ""

    def fields(self) -> dict[str, Field]:
        names = [self.key, self.legacy] if self.legacy else [self.key]
        return {"role_name": ROLE_NAME, **{n: ROLE_FIELDS[n] for n in names}}

    def read(self, role: RoleEntry) -> Any:
        if self.get is not None:
            return self.get(role)
        return getattr(role.token if self.token else role, self.key)

    def write(self, role: RoleEntry, value: Any) -> None:
        if self.put is not None:
            self.put(role, value)
        else:
            setattr(role.token if self.token else role, self.key, value)

    def restore(self, role: RoleEntry) -> None:
        default = list(self.default) if isinstance(self.default, list) else self.default
        (self.reset or self.write)(role, default)


def _secret_cidrs(role: RoleEntry) -> list[str] | None:
    return None if role.secret_id_bound_cidrs is None else list(role.secret_id_bound_cidrs)


def _set_secret_cidrs(role: RoleEntry, value: list[str] | None) -> None:
    role.secret_id_bound_cidrs = value  # the deprecated bound_cidr_list lands here


def _token_cidrs_view(role: RoleEntry) -> list[str] | None:
    """Null until given, as Vault's nil slice; a given empty list reads as []."""
    cidrs = role.token.token_bound_cidrs
    return list(cidrs) if cidrs or role.token_cidrs_given else None


def _set_token_cidrs(role: RoleEntry, value: list[str] | None) -> None:
    role.token.token_bound_cidrs = list(value or [])
    role.token_cidrs_given = value is not None


def _policies(values: Any) -> list[str]:
    return parse_policies(list(values))


def _non_negative(name: str) -> Parser:
    def parse(value: Any) -> int:
        if int(value) < 0:
            raise InvalidRequest(f"{name} cannot be negative")
        return int(value)
    return parse


def _secret_id_cidrs(values: Any) -> list[str]:
    if not values:
        raise InvalidRequest("missing bound_cidr_list")  # Vault's text on both CIDR paths
    return parse_cidr_blocks(list(values), wrapped=False)


def _token_cidrs(values: Any) -> list[str]:
    try:
        return parse_cidr_list(list(values))
    except InvalidRequest as exc:
        raise InvalidRequest(f"failed to parse token_bound_cidrs: {exc.messages[0]}") from None


def _ttl_within_max(role: RoleEntry, _: SystemView) -> None:
    if role.token.token_max_ttl and role.token.token_ttl > role.token.token_max_ttl:
        raise InvalidRequest("token_ttl should not be greater than token_max_ttl")


def _max_covers_ttl(role: RoleEntry, _: SystemView) -> None:
    if role.token.token_max_ttl and role.token.token_ttl > role.token.token_max_ttl:
        raise InvalidRequest("token_max_ttl should be greater than or equal to token_ttl")


def _period_within_mount(role: RoleEntry, system: SystemView) -> None:
    limit = system.max_lease_ttl()
    if role.token.token_period > limit:
        # Vault prints the legacy ``period`` here ("0s" when only token_period was given).
        raise InvalidRequest(f'period of "{go_duration(role.period)}" is greater than the '
                             f'backend\'s maximum lease TTL of "{go_duration(limit)}"')


def go_duration(seconds: int) -> str:
    """Go's ``time.Duration.String`` for whole seconds (``768h0m0s``, ``1m30s``, ``0s``)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


ROLE_FIELD_TABLE: tuple[RoleField, ...] = (
    RoleField(segment="policies", key="token_policies", token=True, legacy="policies",
              default=[], parse=_policies, missing="missing token_policies",
              synopsis="The policies of the role's tokens."),
    RoleField(segment="secret-id-num-uses", key="secret_id_num_uses", default=0,
              parse=_non_negative("secret_id_num_uses"), missing="missing secret_id_num_uses",
              synopsis="How many logins each new secret id allows (0: no limit)."),
    RoleField(segment="secret-id-ttl", key="secret_id_ttl", default=0,
              missing="missing secret_id_ttl",
              synopsis="How long each new secret id lives, in seconds (0: forever)."),
    RoleField(segment="token-ttl", key="token_ttl", token=True, default=0,
              check=_ttl_within_max, missing="missing token_ttl",
              synopsis="The initial TTL of the role's tokens."),
    RoleField(segment="token-max-ttl", key="token_max_ttl", token=True, default=0,
              check=_max_covers_ttl, missing="missing token_max_ttl",
              synopsis="The longest life of the role's tokens."),
    RoleField(segment="period", key="token_period", token=True, legacy="period", default=0,
              check=_period_within_mount, missing="missing period",
              synopsis="The renewal period of the role's periodic tokens (0: not periodic)."),
    RoleField(segment="bind-secret-id", key="bind_secret_id", default=True,
              missing="missing bind_secret_id",
              synopsis="Whether a login must present a secret id."),
    RoleField(segment="secret-id-bound-cidrs", key="secret_id_bound_cidrs",
              get=_secret_cidrs, parse=_secret_id_cidrs,
              synopsis="The CIDR blocks a login with this role may come from."),
    RoleField(segment="token-bound-cidrs", key="token_bound_cidrs",
              get=_token_cidrs_view, put=_set_token_cidrs, parse=_token_cidrs,
              synopsis="The CIDR blocks the role's tokens may be used from."),
    # The deprecated alias writes secret_id_bound_cidrs. Like Vault, its read shows
    # the legacy stored field, which pyvault never keeps (Vault migrates it away on
    # every load): always null, with the deprecation warning; and its reset clears
    # nothing else.
    RoleField(segment="bound-cidr-list", key="bound_cidr_list",
              get=lambda role: None, put=_set_secret_cidrs, reset=lambda role, value: None,
              parse=_secret_id_cidrs,
              warning='The "bound_cidr_list" field is deprecated and will be removed. '
                      'Please use "secret_id_bound_cidrs" instead.',
              synopsis='Deprecated: use "secret-id-bound-cidrs".'),
    RoleField(segment="token-num-uses", key="token_num_uses", token=True, default=0,
              # OpenBao stores a negative count (and then refuses every later role write);
              # pyvault refuses it here, with the role write's text.
              parse=_non_negative("'token_num_uses'"), missing="missing token_num_uses",
              synopsis="How many requests each of the role's tokens may make (0: no limit)."),
    RoleField(segment="local-secret-ids", key="local_secret_ids", read_only=True,
              synopsis="Whether the role's secret ids are local to this cluster (read-only)."),
)


def _set_legacy(role: RoleEntry, spec: RoleField, value: Any) -> None:
    """Set the legacy alias attribute, or clear it (None) to its type's zero."""
    if value is None:
        value = type(getattr(role, spec.legacy))()
    setattr(role, spec.legacy, value)


class RoleFieldPaths:
    def __init__(self, state: AppRoleState, system: SystemView) -> None:
        self._state = state
        self._system = system

    def paths(self) -> list[Path]:
        return [self._path(spec) for spec in ROLE_FIELD_TABLE]

    def _path(self, spec: RoleField) -> Path:
        async def read(request: Request, data: FieldData) -> Response:
            return await self._read(spec, request, data)

        async def update(request: Request, data: FieldData) -> None:
            await self._update(spec, request, data)

        async def delete(request: Request, data: FieldData) -> None:
            await self._reset(spec, request, data)

        handlers = ops(read=read) if spec.read_only else ops(
            read=read, update=update, delete=delete)
        return Path(patterns=(f"role/{{role_name}}/{spec.segment}",), fields=spec.fields(),
                    operations=handlers, synopsis=spec.synopsis, description=spec.synopsis)

    async def _read(self, spec: RoleField, request: Request, data: FieldData) -> Response:
        role = await load_role(request.require_storage(), role_name(data))
        if role is None:
            raise NotFound()
        view: dict[str, Any] = {spec.key: spec.read(role)}
        if spec.legacy and getattr(role, spec.legacy):
            view[spec.legacy] = getattr(role, spec.legacy)
        return Response(data=view, warnings=[spec.warning] if spec.warning else [])

    async def _update(self, spec: RoleField, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        async with self._state.lock:
            role = await load_role(storage, role_name(data))
            if role is None:
                raise UnsupportedPath(multierror("unsupported path"))
            if data.given(spec.key):
                value = self._parse(spec, data.get(spec.key))
                spec.write(role, value)
                if spec.legacy:
                    # Both given: the legacy copy follows; new field alone: it goes.
                    _set_legacy(role, spec, value if data.given(spec.legacy) else None)
            elif spec.legacy and data.given(spec.legacy):
                value = self._parse(spec, data.get(spec.legacy))
                spec.write(role, value)
                _set_legacy(role, spec, value)
            elif spec.missing:
                raise InvalidRequest(spec.missing)
            else:
                return
            if spec.check is not None:
                spec.check(role, self._system)
            check_constraints(role)
            await save_role(storage, role)

    async def _reset(self, spec: RoleField, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        async with self._state.lock:
            role = await load_role(storage, role_name(data))
            if role is None:
                return
            spec.restore(role)
            if spec.legacy:
                _set_legacy(role, spec, None)
            check_constraints(role)
            await save_role(storage, role)

    @staticmethod
    def _parse(spec: RoleField, value: Any) -> Any:
        return value if spec.parse is None else spec.parse(value)
