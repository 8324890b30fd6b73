"""role/, role/<name>, role/<name>/role-id."""

from __future__ import annotations

from typing import Any

from pyvault.builtin.auth.approle.model import (
    ROLE,
    ROLE_ID,
    SECRET_ID,
    RoleEntry,
    hmac_hex,
    load_role,
    pack,
    parse_cidr_blocks,
    role_for_id,
    save_role,
)
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.builtin.auth.tokenutil import TOKEN_FIELDS, parse_policies, upgrade_value
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, NotFound, UnsupportedPath, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage, StorageView

ROLE_NAME = Field(description="Name of the role. Must be less than 4096 bytes.", required=True)
ROLE_FIELDS: dict[str, Field] = {
    "role_name": ROLE_NAME,
    "bind_secret_id": Field(type=FieldType.BOOL, default=True,
                            description="Impose secret_id to be presented when logging in "
                                        "using this role. Defaults to 'true'."),
    "secret_id_bound_cidrs": Field(
        type=FieldType.COMMA_STRING_SLICE,
        description="Comma separated string or list of CIDR blocks. If set, specifies the "
                    "blocks of IP addresses which can perform the login operation."),
    "bound_cidr_list": Field(type=FieldType.COMMA_STRING_SLICE,
                             description="Use \"secret_id_bound_cidrs\" instead."),
    "secret_id_num_uses": Field(type=FieldType.INT,
                                description="Number of times a SecretID can access the role, "
                                            "after which the SecretID will expire. Defaults "
                                            "to 0 meaning that the secret_id is of unlimited "
                                            "use."),
    "secret_id_ttl": Field(type=FieldType.DURATION,
                           description="Duration in seconds after which the issued SecretID "
                                       "should expire. Defaults to 0, meaning no expiration."),
    "local_secret_ids": Field(type=FieldType.BOOL,
                              description="If set, the secret IDs generated using this role "
                                          "will be cluster local. This can only be set during "
                                          "role creation and once set, it can't be reset "
                                          "later."),
    "role_id": Field(description="Identifier of the role. Defaults to a UUID."),
    "policies": Field(type=FieldType.COMMA_STRING_SLICE,
                      description='Use "token_policies" instead.'),
    "period": Field(type=FieldType.DURATION, description='Use "token_period" instead.'),
    **TOKEN_FIELDS,
}


def role_name(data: FieldData) -> str:
    return data.get_str("role_name").lower()


def check_constraints(role: RoleEntry) -> None:
    """Vault refuses to store a role anyone holding its role id could log in with."""
    if not role.bind_secret_id and not role.secret_id_bound_cidrs \
            and not role.token.token_bound_cidrs:
        raise InvalidRequest(multierror("at least one constraint should be enabled on the role"))


async def claim_role_id(state: AppRoleState, storage: Storage, role_id: str,
                        name: str) -> None:
    """Refuse a role id another role already holds (role ids log in: they are unique)."""
    owner = await role_for_id(storage, await state.index_key(storage), role_id)
    if owner is not None and owner != name:
        raise InvalidRequest(multierror("role_id already in use"))


async def index_role_id(state: AppRoleState, storage: Storage, role: RoleEntry,
                        old_role_id: str | None) -> None:
    key = await state.index_key(storage)
    if old_role_id and old_role_id != role.role_id:
        await storage.delete(ROLE_ID + hmac_hex(key, old_role_id))
    await storage.put(ROLE_ID + hmac_hex(key, role.role_id), pack({"name": role.name}))


class RolePaths:
    def __init__(self, state: AppRoleState) -> None:
        self._state = state

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("role",), operations=ops(list=self._list),
                 synopsis=LIST_HELP, description=LIST_HELP),
            Path(patterns=("role/{role_name}/role-id",),
                 fields={"role_name": ROLE_NAME,
                         "role_id": Field(description="Identifier of the role. Defaults to "
                                                      "a UUID.")},
                 operations=ops(read=self._read_role_id, update=self._write_role_id),
                 synopsis=ROLE_ID_HELP, description=ROLE_ID_HELP),
            Path(patterns=("role/{role_name}",), fields=ROLE_FIELDS,
                 operations=ops(read=self._read, create=self._write, update=self._write,
                                delete=self._delete),
                 existence_check=self._exists, synopsis=ROLE_HELP, description=ROLE_HELP),
        ]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        return await load_role(request.require_storage(), role_name(data)) is not None

    async def _list(self, request: Request, data: FieldData) -> Response:
        keys = await request.require_storage().list(ROLE)
        if not keys:
            raise NotFound()
        return Response(data={"keys": sorted(keys)})

    async def _read(self, request: Request, data: FieldData) -> Response:
        role = await load_role(request.require_storage(), role_name(data))
        if role is None:
            raise NotFound()
        view: dict[str, Any] = {
            "bind_secret_id": role.bind_secret_id,
            "local_secret_ids": role.local_secret_ids,
            "secret_id_bound_cidrs": role.secret_id_bound_cidrs,
            "secret_id_num_uses": role.secret_id_num_uses,
            "secret_id_ttl": role.secret_id_ttl,
            **role.token.view(),
        }
        if role.policies:
            view["policies"] = list(role.token.token_policies)
        if role.period:
            view["period"] = role.token.token_period
        return Response(data=dict(sorted(view.items())))

    async def _write(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        name = role_name(data)
        async with self._state.lock:
            role = await load_role(storage, name)
            creating = role is None
            old_role_id = None if role is None else role.role_id
            if role is None:
                role_id = data.get_str("role_id") or self._state.uuid()
                role = RoleEntry(name=name, role_id=role_id,
                                 hmac_key=self._state.key(),
                                 local_secret_ids=data.get_bool("local_secret_ids"))
            elif data.given("local_secret_ids") and \
                    data.get_bool("local_secret_ids") != role.local_secret_ids:
                raise InvalidRequest("local_secret_ids can only be modified during role creation")
            elif data.get_str("role_id"):
                role.role_id = data.get_str("role_id")
            self._apply(role, data, creating=creating)
            await claim_role_id(self._state, storage, role.role_id, name)
            await save_role(storage, role)
            await index_role_id(self._state, storage, role, old_role_id)

    @staticmethod
    def _apply(role: RoleEntry, data: FieldData, *, creating: bool) -> None:
        if data.given("bind_secret_id") or creating:
            role.bind_secret_id = data.get_bool("bind_secret_id")
        cidrs, legacy = upgrade_value(data, "bound_cidr_list", "secret_id_bound_cidrs")
        if legacy:
            role.secret_id_bound_cidrs = parse_cidr_blocks(cidrs)
        elif data.given("secret_id_bound_cidrs"):
            role.secret_id_bound_cidrs = parse_cidr_blocks(data.get_list("secret_id_bound_cidrs"))
        role.token_cidrs_given = role.token_cidrs_given or data.given("token_bound_cidrs")
        if data.given("secret_id_num_uses") or creating:
            role.secret_id_num_uses = data.get_int("secret_id_num_uses")
            if role.secret_id_num_uses < 0:
                raise InvalidRequest("secret_id_num_uses cannot be negative")
        if data.given("secret_id_ttl") or creating:
            role.secret_id_ttl = data.get_int("secret_id_ttl")
        role.token.parse(data, creating=creating)
        policies, legacy = upgrade_value(data, "policies", "token_policies")
        if legacy:
            role.policies = role.token.token_policies = parse_policies(policies)
        period, legacy = upgrade_value(data, "period", "token_period")
        if legacy:
            role.period = role.token.token_period = int(period)
        role.token.validate()
        check_constraints(role)

    async def _delete(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        async with self._state.lock:
            role = await load_role(storage, role_name(data))
            if role is None:
                return
            for prefix in (f"{SECRET_ID}{role.key}/", f"accessor/{role.key}/"):
                view = StorageView(storage, prefix)
                for key in await view.list(""):
                    await view.delete(key)
            index_key = await self._state.index_key(storage)
            await storage.delete(ROLE_ID + hmac_hex(index_key, role.role_id))
            await storage.delete(ROLE + role.name)

    async def _read_role_id(self, request: Request, data: FieldData) -> Response:
        role = await load_role(request.require_storage(), role_name(data))
        if role is None:
            raise NotFound()
        return Response(data={"role_id": role.role_id})

    async def _write_role_id(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        async with self._state.lock:
            role = await load_role(storage, role_name(data))
            if role is None:
                raise UnsupportedPath(multierror("unsupported path"))
            role_id = data.get_str("role_id")
            if not role_id:
                raise InvalidRequest("missing role_id")
            await claim_role_id(self._state, storage, role_id, role.name)
            old = role.role_id
            role.role_id = role_id
            await save_role(storage, role)
            await index_role_id(self._state, storage, role, old)


LIST_HELP = "Lists all the roles registered with the backend."
ROLE_HELP = "Register an role with the backend."
ROLE_ID_HELP = "Returns the 'role_id' of the role."
