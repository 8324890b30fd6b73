"""``roles/`` and ``roles/<name>``: create, read, update (patch-free), delete, list."""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.pki.keys import normalize_key_params
from pyvault.builtin.secrets.pki.role import ROLE_FIELDS, ROLE_SCHEMA, role_defaults, role_view
from pyvault.builtin.secrets.pki.store import PKIStore
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response


async def load_role(request: Request, name: str) -> dict[str, Any] | None:
    value = await PKIStore(request.require_storage()).get_json("role/" + name)
    return None if value is None else role_view(value)


class RolePaths:
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("roles",), operations=ops(list=self.list),
                 synopsis="List the existing roles in this backend"),
            Path(patterns=("roles/{name}",), fields=ROLE_SCHEMA,
                 # No existence check, as the reference's: a write needs "update", and
                 # bad input reads "Field validation failed: ..." like its handler's.
                 operations=ops(read=self.read, update=self.write, delete=self.delete),
                 synopsis="Manage the roles that can be created with this backend.",
                 description="Roles constrain the names, key types, usages and lifetimes "
                             "of the certificates issued through them."),
        ]

    async def list(self, request: Request, data: FieldData) -> Response | None:
        keys = await PKIStore(request.require_storage()).children("role/")
        return Response(data={"keys": keys}) if keys else None

    async def read(self, request: Request, data: FieldData) -> Response | None:
        role = await load_role(request, data.get_str("name"))
        return None if role is None else Response(data=role)

    async def delete(self, request: Request, data: FieldData) -> Response | None:
        await request.require_storage().delete("role/" + data.get_str("name"))
        return None

    async def write(self, request: Request, data: FieldData) -> Response | None:
        name = data.get_str("name")
        # An update keeps what the client did not send, as Vault's role writes do.
        role = await load_role(request, name) or role_defaults()
        for field_name in ROLE_FIELDS:
            if data.given(field_name):
                role[field_name] = data.get(field_name)
        self._validate(role)
        await PKIStore(request.require_storage()).put_json("role/" + name, role)
        return Response(data=role)

    @staticmethod
    def _validate(role: dict[str, Any]) -> None:
        for validation in role["cn_validations"]:
            if validation not in ("email", "hostname", "disabled"):
                raise InvalidRequest(multierror(
                    f"cn_validations value incorrect: unknown type: `{validation}`"))
        if "disabled" in role["cn_validations"] and len(role["cn_validations"]) > 1:
            raise InvalidRequest(multierror("cn_validations value incorrect: cannot specify "
                                            "disabled along with other validations"))
        if role["max_ttl"] and role["ttl"] > role["max_ttl"]:
            raise InvalidRequest('"ttl" value must be less than "max_ttl" value')
        key_type = role["key_type"]
        if key_type == "any":
            role["key_bits"] = 0
        else:
            role["key_type"], role["key_bits"] = normalize_key_params(key_type, role["key_bits"])
        if role["signature_bits"] not in (0, 256, 384, 512):
            raise InvalidRequest(f"unsupported signature_bits: {role['signature_bits']}")
        for bound in ("not_after_bound", "not_before_bound"):
            if role[bound] not in ("permit", "forbid", "truncate", ""):
                raise InvalidRequest(f"invalid value for {bound}: {role[bound]}")
        for oid in role["ext_key_usage_oids"]:
            if not _is_oid(oid):
                raise InvalidRequest(f'"{oid}" could not be parsed as a valid oid for an '
                                     "extended key usage")
        for oid in role["policy_identifiers"]:
            if not _is_oid(oid):
                raise InvalidRequest(multierror(f'policy identifier "{oid}" is not a valid OID'))


def _is_oid(text: str) -> bool:
    parts = text.split(".")
    return len(parts) >= 2 and all(p.isdigit() for p in parts)


