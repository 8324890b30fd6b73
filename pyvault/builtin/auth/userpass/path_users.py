"""users/, users/<name>, users/<name>/password, users/<name>/policies."""

from __future__ import annotations

from typing import Any

from pyvault.builtin.auth.tokenutil import (
    TOKEN_FIELDS,
    parse_cidr_list,
    parse_policies,
    upgrade_value,
)
from pyvault.builtin.auth.userpass.model import (
    USER_PREFIX,
    UserEntry,
    hash_password,
    load_user,
    parse_password_hash,
    save_user,
)
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, NotFound, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

_USERNAME = Field(description="Username for this user.", required=True)
_PASSWORD = Field(description="Password for this user.", sensitive=True)
_PASSWORD_HASH = Field(description="Pre-hashed password in bcrypt format for this user.",
                       sensitive=True)
_POLICIES = Field(type=FieldType.COMMA_STRING_SLICE,
                  description='Use "token_policies" instead. If this and "token_policies" '
                              'are both specified, only "token_policies" will be used.')
USER_FIELDS: dict[str, Field] = {
    "username": _USERNAME,
    "password": _PASSWORD,
    "password_hash": _PASSWORD_HASH,
    "policies": _POLICIES,
    "ttl": Field(type=FieldType.DURATION,
                 description='Use "token_ttl" instead. If this and "token_ttl" are both '
                             'specified, only "token_ttl" will be used.'),
    "max_ttl": Field(type=FieldType.DURATION,
                     description='Use "token_max_ttl" instead. If this and "token_max_ttl" '
                                 'are both specified, only "token_max_ttl" will be used.'),
    "bound_cidrs": Field(type=FieldType.COMMA_STRING_SLICE,
                         description='Use "token_bound_cidrs" instead. If this and '
                                     '"token_bound_cidrs" are both specified, only '
                                     '"token_bound_cidrs" will be used.'),
    **TOKEN_FIELDS,
}
NO_PASSWORD = "must provide either password or password_hash"


def username(data: FieldData) -> str:
    """Vault lower-cases user names, so ``Alice`` and ``alice`` are one user."""
    return data.get_str("username").lower()


class UserPaths:
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("users",), operations=ops(list=self._list),
                 synopsis=LIST_HELP, description=LIST_HELP),
            Path(patterns=("users/{username}/password",),
                 fields={"username": _USERNAME, "password": _PASSWORD,
                         "password_hash": _PASSWORD_HASH},
                 operations=ops(update=self._password),
                 synopsis=PASSWORD_HELP, description=PASSWORD_HELP),
            Path(patterns=("users/{username}/policies",),
                 fields={"username": _USERNAME, "policies": _POLICIES,
                         "token_policies": TOKEN_FIELDS["token_policies"]},
                 operations=ops(update=self._policies),
                 synopsis=POLICIES_HELP, description=POLICIES_HELP),
            Path(patterns=("users/{username}",), fields=USER_FIELDS,
                 operations=ops(read=self._read, create=self._write, update=self._write,
                                delete=self._delete),
                 existence_check=self._exists,
                 synopsis=USER_HELP, description=USER_DESCRIPTION),
        ]

    async def _exists(self, request: Request, data: FieldData) -> bool:
        return await load_user(request.require_storage(), username(data)) is not None

    async def _list(self, request: Request, data: FieldData) -> Response:
        keys = await request.require_storage().list(USER_PREFIX)
        if not keys:
            raise NotFound()
        return Response(data={"keys": sorted(keys)})

    async def _read(self, request: Request, data: FieldData) -> Response:
        user = await load_user(request.require_storage(), username(data))
        if user is None:
            raise NotFound()
        view: dict[str, Any] = user.token.view()
        # Vault shows the legacy keys only for users that were written with them.
        if user.ttl:
            view["ttl"] = user.token.token_ttl
        if user.max_ttl:
            view["max_ttl"] = user.token.token_max_ttl
        if user.policies:
            view["policies"] = list(user.token.token_policies)
        if user.bound_cidrs:
            view["bound_cidrs"] = list(user.token.token_bound_cidrs)
        return Response(data=dict(sorted(view.items())))

    async def _delete(self, request: Request, data: FieldData) -> None:
        await request.require_storage().delete(USER_PREFIX + username(data))

    async def _write(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        name = username(data)
        existing = await load_user(storage, name)
        creating = existing is None
        user = existing or UserEntry()
        user.token.parse(data, creating=creating)
        self._apply_legacy(user, data)
        user.token.validate()
        password_hash = await _new_password_hash(data)
        if password_hash is not None:
            user.password_hash = password_hash
        elif creating:
            raise InvalidRequest(NO_PASSWORD)
        await save_user(storage, name, user)

    @staticmethod
    def _apply_legacy(user: UserEntry, data: FieldData) -> None:
        """The old names fill the new fields only when the new ones are absent."""
        policies, given = upgrade_value(data, "policies", "token_policies")
        if given:
            user.policies = user.token.token_policies = parse_policies(policies)
        elif data.given("token_policies") and data.given("policies"):
            user.policies = list(user.token.token_policies)
        for old, new in (("ttl", "token_ttl"), ("max_ttl", "token_max_ttl")):
            value, given = upgrade_value(data, old, new)
            if given:
                setattr(user, old, value)
                setattr(user.token, new, value)
        cidrs, given = upgrade_value(data, "bound_cidrs", "token_bound_cidrs")
        if given:
            user.bound_cidrs = user.token.token_bound_cidrs = parse_cidr_list(cidrs)

    async def _password(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        name = username(data)
        user = await load_user(storage, name)
        if user is None:
            # Vault answers 500 here (a plain Go error); a missing user is the
            # client's mistake, so pyvault keeps the text and answers 400.
            raise InvalidRequest(multierror("username does not exist"))
        password_hash = await _new_password_hash(data)
        if password_hash is None:
            raise InvalidRequest(NO_PASSWORD)
        user.password_hash = password_hash
        await save_user(storage, name, user)

    async def _policies(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        name = username(data)
        user = await load_user(storage, name)
        if user is None:
            raise InvalidRequest(multierror("username does not exist"))
        policies, given = upgrade_value(data, "policies", "token_policies")
        if given:
            user.policies = user.token.token_policies = parse_policies(policies)
        elif data.given("token_policies"):
            # Unlike the user write, this path parses token_policies too (Vault's
            # pathUserPoliciesUpdate); the legacy copy stays only if it was given.
            user.token.token_policies = parse_policies(data.get_list("token_policies"))
            user.policies = list(user.token.token_policies) if data.given("policies") else []
        await save_user(storage, name, user)


async def _new_password_hash(data: FieldData) -> bytes | None:
    """The bcrypt hash to store, or None when neither field was given (empty counts
    as not given, as in Vault)."""
    password = data.get_str("password") if data.given("password") else ""
    given_hash = data.get_str("password_hash") if data.given("password_hash") else ""
    if password and given_hash:
        raise InvalidRequest("only one of password or password_hash may be provided")
    if given_hash:
        return parse_password_hash(given_hash)
    if password:
        return await hash_password(password)
    return None


LIST_HELP = "Manage users allowed to authenticate."
USER_HELP = "Manage users allowed to authenticate."
USER_DESCRIPTION = (
    "This endpoint allows you to create, read, update, and delete users\n"
    "that are allowed to authenticate.\n\n"
    "Deleting a user will not revoke auth for prior authenticated users\n"
    "with that name. To do this, do a revoke on \"login/<username>\" for\n"
    "the username you want revoked. If you don't need to revoke login immediately,\n"
    "then the next renew will cause the lease to expire."
)
PASSWORD_HELP = "Reset user's password."
POLICIES_HELP = "Update the policies associated with the username."
