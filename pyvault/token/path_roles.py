"""auth/token/roles and roles/<role_name>: token role CRUD (Vault's tokenStoreRole*)."""

from __future__ import annotations

import re
from collections.abc import Callable

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.token.cidrs import parse_cidrs
from pyvault.token.context import TokenContext
from pyvault.token.durations import check_not_negative
from pyvault.token.policies import remove_duplicates, sanitize_policies
from pyvault.token.role import TOKEN_TYPES, TokenRole

PATH_SUFFIX_RULE = r"\w[\w-.]+\w"
_PATH_SUFFIX = re.compile(r"\w[\w\-.]+\w")  # Go reads "-" after \w as a literal
_CSV, _DUR = FieldType.COMMA_STRING_SLICE, FieldType.DURATION
ROLE_FIELDS = {
    "role_name": Field(description="Name of the role"),
    "allowed_policies": Field(type=_CSV, description="Policies tokens of this role may have"),
    "disallowed_policies": Field(type=_CSV, description="Policies tokens may not have"),
    "allowed_policies_glob": Field(type=_CSV, description="Globs of allowed policies"),
    "disallowed_policies_glob": Field(type=_CSV, description="Globs of disallowed policies"),
    "orphan": Field(type=FieldType.BOOL, description="Tokens of this role have no parent"),
    "period": Field(type=_DUR, description="Use 'token_period' instead."),
    "path_suffix": Field(description="A suffix for the tokens' path; must match "
                                     + PATH_SUFFIX_RULE),
    "explicit_max_ttl": Field(type=_DUR, description="Use 'token_explicit_max_ttl' instead."),
    "renewable": Field(type=FieldType.BOOL, default=True,
                       description="Tokens created via this role will be renewable or not"),
    "bound_cidrs": Field(type=_CSV, description="Use 'token_bound_cidrs' instead."),
    "allowed_entity_aliases": Field(type=_CSV, description="Entity aliases tokens may use"),
    "token_bound_cidrs": Field(type=_CSV, description="CIDR blocks allowed to use the tokens"),
    "token_explicit_max_ttl": Field(type=_DUR, description="Explicit max TTL of the tokens"),
    "token_period": Field(type=_DUR, description="Renewal period of the tokens"),
    "token_type": Field(default="default-service",
                        description="The type of token to generate, service or batch"),
    "token_no_default_policy": Field(type=FieldType.BOOL,
                                     description="Do not attach the 'default' policy"),
    "token_num_uses": Field(type=FieldType.INT, description="Maximum uses of the tokens"),
}
_DURATIONS = ("period", "explicit_max_ttl", "token_period", "token_explicit_max_ttl")


class RolePaths:
    def __init__(self, ctx: TokenContext) -> None:
        self._ctx = ctx

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("roles/", "roles"), operations=ops(list=self._list),
                 synopsis=LIST_HELP, description=LIST_HELP),
            Path(patterns=("roles/{role_name}",), fields=ROLE_FIELDS,
                 operations=ops(read=self._read, create=self._write, update=self._write,
                                delete=self._delete),
                 existence_check=self._exists, synopsis=ROLE_HELP, description=ROLE_HELP),
        ]

    async def _list(self, request: Request, data: FieldData) -> Response | None:
        names = await self._ctx.store.roles.names()
        return Response(data={"keys": names}) if names else None

    async def _exists(self, request: Request, data: FieldData) -> bool:
        return await self._ctx.store.roles.get(data.get_str("role_name")) is not None

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        role = await self._ctx.store.roles.get(data.get_str("role_name"))
        return None if role is None else Response(data=role.view())

    async def _delete(self, request: Request, data: FieldData) -> None:
        await self._ctx.store.roles.delete(data.get_str("role_name"))

    async def _write(self, request: Request, data: FieldData) -> Response | None:
        name = data.get_str("role_name")
        if not name:
            raise InvalidRequest("role name cannot be empty")
        existing = await self._ctx.store.roles.get(name)
        creating = existing is None or request.operation is Operation.CREATE
        role = existing or TokenRole(name=name)
        for field_name, value in _given_durations(data):
            check_not_negative(field_name, data.raw.get(field_name), value)
        _basic_fields(role, data, creating)
        warnings: list[str] = []
        _token_fields(role, data)
        _deprecated_fields(role, data, warnings, self._ctx.system.max_lease_ttl())
        _check_batch(role)
        aliases, given = data.get_ok("allowed_entity_aliases")
        if given:
            role.allowed_entity_aliases = remove_duplicates(aliases)
        await self._ctx.store.roles.put(role)
        return Response(warnings=warnings) if warnings else None


def _given_durations(data: FieldData) -> list[tuple[str, int]]:
    return [(name, data.get_int(name)) for name in _DURATIONS if data.given(name)]


def _allowed(policies: list[str]) -> list[str]:
    return sanitize_policies(policies, add_default=False)


_POLICY_LISTS: tuple[tuple[str, Callable[[list[str]], list[str]]], ...] = (
    ("allowed_policies", _allowed),
    ("disallowed_policies", remove_duplicates),
    ("allowed_policies_glob", _allowed),
    ("disallowed_policies_glob", remove_duplicates),
)


def _basic_fields(role: TokenRole, data: FieldData, creating: bool) -> None:
    """Fields a create sets to their default when absent and an update leaves alone."""
    orphan, given = data.get_ok("orphan")
    if given or creating:
        role.orphan = bool(orphan)
    renewable, given = data.get_ok("renewable")
    if given or creating:
        role.renewable = bool(renewable)
    suffix, given = data.get_ok("path_suffix")
    if given:
        if suffix and not _PATH_SUFFIX.search(suffix):
            raise InvalidRequest(
                "given role path suffix contains invalid characters; must match "
                + PATH_SUFFIX_RULE
            )
        role.path_suffix = suffix
    elif creating:
        role.path_suffix = ""
    if ".." in role.path_suffix:
        raise InvalidRequest(
            "error registering path suffix: path cannot contain parent references"
        )
    for name, clean in _POLICY_LISTS:
        value, given = data.get_ok(name)
        if given or creating:
            setattr(role, name, clean(value))


def _token_fields(role: TokenRole, data: FieldData) -> None:
    """tokenutil.ParseTokenFields for the token_* fields a token role allows."""
    if "token_type" in data.raw:
        raw = data.raw["token_type"]
        if raw is None:
            raise InvalidRequest("Invalid 'token_type' value: null")
    if data.given("token_bound_cidrs"):
        role.token_bound_cidrs = parse_cidrs(data.get_list("token_bound_cidrs"),
                                             "error parsing role fields")
    if data.given("token_explicit_max_ttl"):
        role.token_explicit_max_ttl = data.get_int("token_explicit_max_ttl")
    if data.given("token_no_default_policy"):
        role.token_no_default_policy = data.get_bool("token_no_default_policy")
    if data.given("token_period"):
        role.token_period = data.get_int("token_period")
    if data.given("token_num_uses"):
        role.token_num_uses = data.get_int("token_num_uses")
        if role.token_num_uses < 0:
            raise InvalidRequest("error parsing role fields: 'token_num_uses' cannot be negative")
    if data.given("token_type"):
        wanted = data.get_str("token_type")
        if wanted not in TOKEN_TYPES:
            raise InvalidRequest(f'invalid \'token_type\' value "{wanted}"')
        role.token_type = wanted


def _deprecated_fields(
    role: TokenRole, data: FieldData, warnings: list[str], max_lease_ttl: int
) -> None:
    """The pre-``token_`` spellings: used when alone, ignored (with a warning) if both."""
    if not data.given("token_period"):
        if data.given("period"):
            role.period = role.token_period = data.get_int("period")
    else:
        if data.given("period"):
            warnings.append("Both 'token_period' and deprecated 'period' value supplied, "
                            "ignoring the deprecated value")
        role.period = 0
    if not data.given("token_bound_cidrs"):
        if data.given("bound_cidrs"):
            role.bound_cidrs = parse_cidrs(data.get_list("bound_cidrs"),
                                           "error parsing bound_cidrs")
            role.token_bound_cidrs = list(role.bound_cidrs)
    else:
        if data.given("bound_cidrs"):
            warnings.append("Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value "
                            "supplied, ignoring the deprecated value")
        role.bound_cidrs = []
    final_explicit = role.token_explicit_max_ttl
    if not data.given("token_explicit_max_ttl"):
        if data.given("explicit_max_ttl"):
            role.explicit_max_ttl = data.get_int("explicit_max_ttl")
            role.token_explicit_max_ttl = role.explicit_max_ttl
        final_explicit = role.explicit_max_ttl
    else:
        if data.given("explicit_max_ttl"):
            warnings.append("Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' "
                            "value supplied, ignoring the deprecated value")
        role.explicit_max_ttl = 0
    if final_explicit and max_lease_ttl and final_explicit > max_lease_ttl:
        warnings.append(
            f"Given explicit max TTL of {final_explicit} is greater than system/mount allowed "
            f"value of {max_lease_ttl} seconds; until this is fixed attempting to create "
            "tokens against this role will result in an error"
        )


def _check_batch(role: TokenRole) -> None:
    if role.token_type != "batch":
        return
    if not role.orphan:
        reason = "generate non-orphan tokens"
    elif role.period or role.token_period:
        reason = "generate periodic tokens"
    elif role.renewable:
        reason = "generate renewable tokens"
    elif role.explicit_max_ttl or role.token_explicit_max_ttl:
        reason = "generate tokens with an explicit max TTL"
    else:
        return
    raise InvalidRequest(f"'token_type' cannot be 'batch' when role is set to {reason}")


LIST_HELP = "This endpoint lists configured roles."
ROLE_HELP = "This endpoint allows creating, reading, and deleting roles."
