"""login (role_id + secret_id) and the renewal of the tokens it issued."""

from __future__ import annotations

from pyvault.builtin.auth.approle.model import (
    RoleEntry,
    address_in,
    delete_secret,
    load_role,
    load_secret,
    role_for_id,
)
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.login import AuthRenewal, RenewingToken
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage

INVALID = "invalid role or secret ID"


class LoginPaths:
    def __init__(self, state: AppRoleState) -> None:
        self._state = state

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("login",),
                 fields={"role_id": Field(description="Unique identifier of the Role. "
                                                      "Required to be supplied when the "
                                                      "'bind_secret_id' constraint is set."),
                         "secret_id": Field(description="SecretID belong to the App role",
                                            sensitive=True)},
                 operations=ops(update=self._login),
                 synopsis=LOGIN_HELP, description=LOGIN_DESCRIPTION),
        ]

    async def _login(self, request: Request, data: FieldData) -> Response:
        storage = request.require_storage()
        role_id = data.get_str("role_id")
        if not role_id:
            # OpenBao answers 500 (a plain Go error); it is the client's mistake: 400.
            raise InvalidRequest("missing role_id")
        name = await role_for_id(storage, await self._state.index_key(storage), role_id)
        role = None if name is None else await load_role(storage, name)
        if role is None:
            raise InvalidRequest(INVALID)
        address = request.connection.remote_addr
        if role.secret_id_bound_cidrs and not address_in(role.secret_id_bound_cidrs, address):
            # Vault formats a nil error into this text ("...: <nil>"); pyvault stops
            # at the sentence.
            raise InvalidRequest(f'source address "{address}" unauthorized by CIDR '
                                 "restrictions on the role")
        metadata: dict[str, str] = {}
        token_cidrs = list(role.token.token_bound_cidrs)
        if role.bind_secret_id:
            secret_id = data.get_str("secret_id")
            if not secret_id:
                raise InvalidRequest("missing secret_id")
            metadata, secret_cidrs = await self._spend(storage, role, secret_id, address)
            token_cidrs = secret_cidrs or token_cidrs
        metadata["role_name"] = role.name
        auth = role.token.login_auth(metadata=metadata)
        auth.bound_cidrs = token_cidrs
        return Response(auth=auth)

    async def _spend(self, storage: Storage, role: RoleEntry, secret_id: str,
                     address: str) -> tuple[dict[str, str], list[str]]:
        """Check the secret id and count one use (the last use deletes it)."""
        key = role.secret_key(secret_id)
        async with self._state.lock:
            entry = await load_secret(storage, role, key)
            if entry is None:
                raise InvalidRequest(INVALID)
            if entry.expired(self._state.clock.now()):
                await delete_secret(storage, role, key, entry)
                raise InvalidRequest(INVALID)
            if entry.cidr_list and not address_in(entry.cidr_list, address):
                raise InvalidRequest(f'source address "{address}" unauthorized through CIDR '
                                     "restrictions on the secret ID")
            if entry.num_uses == 1:
                await delete_secret(storage, role, key, entry)
            elif entry.num_uses > 1:
                entry.num_uses -= 1
                entry.last_updated_time = self._state.clock.now()
                await storage.put(key, entry.serialize())
        return dict(entry.metadata), list(entry.token_bound_cidrs)

    async def renew(self, request: Request, token: RenewingToken) -> AuthRenewal | None:
        """Vault's approle ``pathLoginRenew``: the role must still exist; its current
        token TTLs apply."""
        name = token.metadata.get("role_name", "")
        if not name:
            raise InvalidRequest("failed to fetch role_name during renewal")
        role = await load_role(request.require_storage(), name)
        if role is None:
            raise InvalidRequest(f'role "{name}" does not exist during renewal')
        return AuthRenewal(ttl=role.token.token_ttl, max_ttl=role.token.token_max_ttl,
                           period=role.token.token_period,
                           explicit_max_ttl=role.token.token_explicit_max_ttl)


LOGIN_HELP = "Issue a token based on the credentials supplied"
LOGIN_DESCRIPTION = (
    "While the credential 'role_id' is required at all times,\n"
    "other credentials required depends on the properties App role\n"
    "to which the 'role_id' belongs to. The 'bind_secret_id'\n"
    "constraint (enabled by default) on the App role requires the\n"
    "'secret_id' credential to be presented."
)
