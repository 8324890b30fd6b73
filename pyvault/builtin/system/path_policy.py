"""sys/policy (legacy) and sys/policies/acl: ACL policy CRUD."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.policy.model import PolicyError
from pyvault.policy.store import PolicyStore, StoredPolicy
from pyvault.util.clock import rfc3339

_NAME = {"name": Field(description="The name of the policy.")}
_BODY = {
    **_NAME,
    "policy": Field(description="The policy document, HCL or JSON (may be base64)."),
    "rules": Field(description="Legacy name of 'policy'."),
    "cas": Field(type=FieldType.INT, description="Check-and-set: the expected version."),
    "cas_required": Field(type=FieldType.BOOL,
                          description="Require a cas parameter on every later write."),
}


def decode_policy_text(text: str) -> str:
    """Vault accepts the document base64-encoded as well as plain."""
    try:
        decoded = base64.b64decode(text, validate=True)
        return decoded.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text


class PolicyPaths:
    def __init__(self, policies: PolicyStore) -> None:
        self._policies = policies

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("policy",), operations=ops(read=self._list_legacy,
                                                      list=self._list_legacy),
                 synopsis="List the configured ACL policies."),
            Path(patterns=("policy/{name:.+}",), fields=_BODY,
                 operations=ops(read=self._read_legacy, update=self._write,
                                delete=self._delete),
                 synopsis="Read, write or delete an ACL policy (legacy form)."),
            Path(patterns=("policies/acl",), operations=ops(list=self._list),
                 synopsis="List the configured ACL policies."),
            Path(patterns=("policies/acl/{name:.+}",), fields=_BODY,
                 operations=ops(read=self._read, update=self._write, delete=self._delete),
                 synopsis="Read, write or delete an ACL policy."),
        ]

    async def _list_legacy(self, request: Request, data: FieldData) -> Response:
        names = await self._policies.names()
        return Response(data={"keys": names, "policies": names}, legacy_top_level=True)

    async def _list(self, request: Request, data: FieldData) -> Response:
        return Response(data={"keys": await self._policies.names()})

    async def _stored(self, data: FieldData) -> StoredPolicy | None:
        return await self._policies.get(data.get_str("name"))

    @staticmethod
    def _view(stored: StoredPolicy, text_key: str) -> dict[str, Any]:
        return {
            "cas_required": stored.cas_required,
            "modified": rfc3339(stored.modified),
            "name": stored.name,
            text_key: stored.text,
            "version": stored.version,
        }

    async def _read_legacy(self, request: Request, data: FieldData) -> Response | None:
        stored = await self._stored(data)
        if stored is None:
            return None
        return Response(data=self._view(stored, "rules"), legacy_top_level=True)

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        stored = await self._stored(data)
        return None if stored is None else Response(data=self._view(stored, "policy"))

    async def _write(self, request: Request, data: FieldData) -> Response | None:
        text = data.get_str("policy")
        warnings: list[str] = []
        if not text and data.get_str("rules"):
            text = data.get_str("rules")
            warnings.append("'rules' is deprecated, please use 'policy' instead")
        if not text:
            raise InvalidRequest("'policy' parameter not supplied or empty")
        cas, given = data.get_ok("cas")
        cas_required, required_given = data.get_ok("cas_required")
        try:
            await self._policies.set(data.get_str("name"), decode_policy_text(text),
                                     cas if given else None,
                                     cas_required if required_given else None)
        except PolicyError as exc:
            raise InvalidRequest(str(exc)) from None
        return Response(warnings=warnings) if warnings else None

    async def _delete(self, request: Request, data: FieldData) -> None:
        await self._policies.delete(data.get_str("name"))
