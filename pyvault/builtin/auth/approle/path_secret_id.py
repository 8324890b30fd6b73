"""role/<name>/secret-id (generate, list), custom-secret-id, secret-id/lookup|destroy,
secret-id-accessor/lookup|destroy."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pyvault.builtin.auth.approle.model import (
    SecretIDEntry,
    cidr_subset,
    delete_secret,
    load_role,
    load_secret,
    pack,
    parse_cidr_blocks,
    unpack,
)
from pyvault.builtin.auth.approle.path_role import ROLE_NAME, role_name
from pyvault.builtin.auth.approle.state import AppRoleState
from pyvault.builtin.auth.tokenutil import parse_cidr_list
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import CodedError, InvalidRequest, NotFound, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage

_SECRET_ID = Field(description="SecretID attached to the role.", sensitive=True)
_ACCESSOR = Field(description="Accessor of the SecretID")
GENERATE_FIELDS: dict[str, Field] = {
    "role_name": ROLE_NAME,
    "metadata": Field(description="Metadata to be tied to the SecretID. This should be a "
                                  "JSON formatted string containing metadata in key value "
                                  "pairs."),
    "cidr_list": Field(type=FieldType.COMMA_STRING_SLICE,
                       description="Comma separated string or list of CIDR blocks enforcing "
                                   "secret IDs to be used from specific set of IP addresses."),
    "token_bound_cidrs": Field(type=FieldType.COMMA_STRING_SLICE,
                               description="Comma separated string or list of CIDR blocks. If "
                                           "set, specifies the blocks of IP addresses which "
                                           "can use the returned token."),
    "num_uses": Field(type=FieldType.INT,
                      description="Number of times this SecretID can be used, after which "
                                  "the SecretID expires. Overrides secret_id_num_uses role "
                                  "option when supplied. May not be higher than role's "
                                  "secret_id_num_uses."),
    "ttl": Field(type=FieldType.DURATION,
                 description="Duration in seconds after which this SecretID expires. "
                             "Overrides secret_id_ttl role option when supplied. May not be "
                             "longer than role's secret_id_ttl."),
}


def parse_metadata(text: str) -> dict[str, str]:
    """Vault's ``strutil.ParseArbitraryKeyValues``: JSON, base64 JSON, or k=v,k=v."""
    if not text.strip():
        return {}
    for candidate in (text, _b64(text)):
        if candidate is None:
            continue
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRequest("failed to parse metadata: failed to parse the input: "
                                 "invalid <key,value> format")
        pairs[key.strip()] = value.strip()
    return pairs


def _b64(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def _quoted(blocks: list[str]) -> str:
    return "[" + " ".join(json.dumps(b) for b in blocks) + "]"


class SecretIDPaths:
    def __init__(self, state: AppRoleState) -> None:
        self._state = state

    def paths(self) -> list[Path]:
        name_only = {"role_name": ROLE_NAME}
        return [
            Path(patterns=("role/{role_name}/secret-id/lookup",),
                 fields={**name_only, "secret_id": _SECRET_ID},
                 operations=ops(update=self._lookup), synopsis=LOOKUP_HELP,
                 description=LOOKUP_HELP),
            Path(patterns=("role/{role_name}/secret-id/destroy",),
                 fields={**name_only, "secret_id": _SECRET_ID},
                 operations=ops(update=self._destroy, delete=self._destroy),
                 synopsis=DESTROY_HELP, description=DESTROY_HELP),
            Path(patterns=("role/{role_name}/secret-id-accessor/lookup",),
                 fields={**name_only, "secret_id_accessor": _ACCESSOR},
                 operations=ops(update=self._lookup_accessor), synopsis=LOOKUP_HELP,
                 description=LOOKUP_HELP),
            Path(patterns=("role/{role_name}/secret-id-accessor/destroy",),
                 fields={**name_only, "secret_id_accessor": _ACCESSOR},
                 operations=ops(update=self._destroy_accessor, delete=self._destroy_accessor),
                 synopsis=DESTROY_HELP, description=DESTROY_HELP),
            Path(patterns=("role/{role_name}/custom-secret-id",),
                 fields={**GENERATE_FIELDS, "secret_id": _SECRET_ID},
                 operations=ops(update=self._custom), synopsis=CUSTOM_HELP,
                 description=CUSTOM_HELP),
            Path(patterns=("role/{role_name}/secret-id",), fields=GENERATE_FIELDS,
                 operations=ops(update=self._generate, list=self._list),
                 synopsis=GENERATE_HELP, description=GENERATE_HELP),
        ]

    async def _generate(self, request: Request, data: FieldData) -> Response:
        return await self._create(request, data, self._state.uuid())

    async def _custom(self, request: Request, data: FieldData) -> Response:
        secret_id = data.get_str("secret_id")
        if not secret_id:
            raise InvalidRequest("missing secret_id")
        return await self._create(request, data, secret_id)

    async def _create(self, request: Request, data: FieldData, secret_id: str) -> Response:
        storage = request.require_storage()
        name = role_name(data)
        role = await load_role(storage, name)
        if role is None:
            raise CodedError(404, f'role "{name}" does not exist')
        if not role.bind_secret_id:
            raise InvalidRequest("bind_secret_id is not set on the role")
        metadata = parse_metadata(data.get_str("metadata"))
        cidrs = parse_cidr_blocks(data.get_list("cidr_list"))
        if role.secret_id_bound_cidrs and cidrs and \
                not cidr_subset(role.secret_id_bound_cidrs, cidrs):
            raise InvalidRequest(multierror(
                "failed to verify subset relationship between CIDR blocks on the role "
                f"{_quoted(role.secret_id_bound_cidrs)} and CIDR blocks on the secret ID "
                f"{_quoted(cidrs)}"))
        token_cidrs = parse_cidr_list(data.get_list("token_bound_cidrs"))
        role_token_cidrs = role.token.token_bound_cidrs
        if role_token_cidrs and token_cidrs and not cidr_subset(
                [c if "/" in c else f"{c}/{128 if ':' in c else 32}" for c in role_token_cidrs],
                [c if "/" in c else f"{c}/{128 if ':' in c else 32}" for c in token_cidrs]):
            raise InvalidRequest(multierror(
                "failed to verify subset relationship between CIDR blocks on the role "
                f"{_quoted(role_token_cidrs)} and CIDR blocks on the secret ID "
                f"{_quoted(token_cidrs)}"))
        num_uses = data.get_int("num_uses")
        if num_uses < 0:
            raise InvalidRequest("num_uses cannot be negative")
        if role.secret_id_num_uses and num_uses > role.secret_id_num_uses:
            raise InvalidRequest("num_uses cannot be higher than the role's secret_id_num_uses")
        ttl = data.get_int("ttl")
        if role.secret_id_ttl and ttl > role.secret_id_ttl:
            raise InvalidRequest("ttl cannot be longer than the role's secret_id_ttl")
        now = self._state.clock.now()
        ttl = ttl or role.secret_id_ttl
        entry = SecretIDEntry(
            accessor=self._state.uuid(), num_uses=num_uses or role.secret_id_num_uses,
            ttl=ttl, creation_time=now, last_updated_time=now,
            expiration_time=now + ttl if ttl else 0.0, metadata=metadata, cidr_list=cidrs,
            token_bound_cidrs=token_cidrs,
        )
        key = role.secret_key(secret_id)
        async with self._state.lock:
            if await storage.get(key) is not None:
                raise InvalidRequest(multierror(
                    "failed to store secret_id: SecretID is already registered"))
            await storage.put(role.accessor_key(entry.accessor), pack({"secret_key": key}))
            await storage.put(key, entry.serialize())
        return Response(data={"secret_id": secret_id, "secret_id_accessor": entry.accessor,
                              "secret_id_num_uses": entry.num_uses,
                              "secret_id_ttl": entry.ttl})

    async def _list(self, request: Request, data: FieldData) -> Response:
        storage = request.require_storage()
        name = role_name(data)
        role = await load_role(storage, name)
        if role is None:
            raise InvalidRequest(f'role "{name}" does not exist')
        prefix = role.secret_key("").rsplit("/", 1)[0] + "/"
        accessors: list[str] = []
        for child in await storage.list(prefix):
            entry = await load_secret(storage, role, prefix + child)
            if entry is not None:
                accessors.append(entry.accessor)
        if not accessors:
            raise NotFound()
        return Response(data={"keys": sorted(accessors)})

    async def _role_and_secret(self, request: Request, data: FieldData) -> tuple[
            Any, str, SecretIDEntry | None]:
        storage = request.require_storage()
        name = role_name(data)
        secret_id = data.get_str("secret_id")
        if not secret_id:
            raise InvalidRequest("missing secret_id")
        role = await load_role(storage, name)
        if role is None:
            # OpenBao: 500 with this multierror text; the client's mistake, so 400.
            raise InvalidRequest(multierror(f'role "{name}" does not exist'))
        key = role.secret_key(secret_id)
        return role, key, await load_secret(storage, role, key)

    async def _lookup(self, request: Request, data: FieldData) -> Response | None:
        role, key, entry = await self._role_and_secret(request, data)
        if entry is None:
            return None
        if entry.expired(self._state.clock.now()):
            async with self._state.lock:
                await delete_secret(request.require_storage(), role, key, entry)
            return None
        return Response(data=entry.view())

    async def _destroy(self, request: Request, data: FieldData) -> None:
        role, key, entry = await self._role_and_secret(request, data)
        if entry is not None:
            async with self._state.lock:
                await delete_secret(request.require_storage(), role, key, entry)

    async def _by_accessor(self, storage: Storage, data: FieldData) -> tuple[
            Any, str | None, SecretIDEntry | None, str]:
        name = role_name(data)
        accessor = data.get_str("secret_id_accessor")
        if not accessor:
            raise InvalidRequest("missing secret_id_accessor")
        role = await load_role(storage, name)
        if role is None:
            raise InvalidRequest(multierror(f'role "{name}" does not exist'))
        raw = await storage.get(role.accessor_key(accessor))
        if raw is None:
            return role, None, None, accessor
        key = str(unpack(raw)["secret_key"])
        return role, key, await load_secret(storage, role, key), accessor

    async def _lookup_accessor(self, request: Request, data: FieldData) -> Response:
        _, _, entry, accessor = await self._by_accessor(request.require_storage(), data)
        if entry is None or entry.expired(self._state.clock.now()):
            return Response(data={"error": "failed to find accessor entry for "
                                           f"secret_id_accessor: {json.dumps(accessor)}"},
                            not_found_with_data=True)
        return Response(data=entry.view())

    async def _destroy_accessor(self, request: Request, data: FieldData) -> None:
        storage = request.require_storage()
        role, key, entry, accessor = await self._by_accessor(storage, data)
        if key is None:
            # OpenBao answers 500; an unknown accessor is the client's mistake: 400.
            raise InvalidRequest(multierror("failed to find accessor entry for "
                                            f"secret_id_accessor: {json.dumps(accessor)}"))
        async with self._state.lock:
            if entry is not None:
                await delete_secret(storage, role, key, entry)
            else:
                await storage.delete(role.accessor_key(accessor))


GENERATE_HELP = "Generate a SecretID against this role."
CUSTOM_HELP = "Assign a SecretID of choice against the role."
LOOKUP_HELP = "Read the properties of an issued secret_id"
DESTROY_HELP = "Invalidate an issued secret_id"
