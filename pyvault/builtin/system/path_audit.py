"""sys/audit, sys/audit-hash and sys/config/auditing/request-headers.

Enabling a device over the API is refused unless the server configuration sets
``unsafe_allow_api_audit_creation = true`` (OpenBao's rule). Vault allows it by
default, but a ``file`` device writing to any path the server can reach is a
known route from a sudo token to code execution (HCSEC-2025-14); pyvault takes
the safe default and documents the switch.
"""

from __future__ import annotations

from typing import Any, Protocol

from pyvault.audit.table import AuditEntry
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response

API_CREATION_REFUSED = (
    "cannot enable audit device via API; use declarative, config-based audit device "
    "management instead"
)


class AuditOps(Protocol):
    """What the sys backend needs from the audit broker."""

    allow_api_creation: bool

    def entries(self) -> list[AuditEntry]: ...

    async def enable(self, entry: AuditEntry) -> None: ...

    async def disable(self, path: str) -> bool: ...

    def hash(self, path: str, value: str) -> str: ...

    def audited_headers(self) -> dict[str, bool]: ...

    async def set_header(self, name: str, hmac: bool) -> None: ...

    async def delete_header(self, name: str) -> None: ...


_PATH = {"path": Field(description="The path of the audit device.")}
_ENABLE = {
    **_PATH,
    "type": Field(description="The type of the device: file, socket or syslog."),
    "description": Field(description="A human-friendly description."),
    "options": Field(type=FieldType.KV_PAIRS, description="Device-specific options."),
    "local": Field(type=FieldType.BOOL, description="Kept for Vault compatibility."),
}
_HASH = {**_PATH, "input": Field(description="The value to hash.", sensitive=True)}
_HEADER = {
    "header": Field(description="The name of the request header."),
    "hmac": Field(type=FieldType.BOOL, description="HMAC the header's value in entries."),
}


def _mount_path(raw: str) -> str:
    return raw.strip("/") + "/"


class AuditPaths:
    def __init__(self, audit: AuditOps) -> None:
        self._audit = audit

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("audit",), operations=ops(read=self._list),
                 synopsis="List the enabled audit devices."),
            Path(patterns=("audit/{path:.+}",), fields=_ENABLE,
                 operations=ops(update=self._enable, delete=self._disable),
                 synopsis="Enable or disable an audit device."),
            Path(patterns=("audit-hash/{path:.+}",), fields=_HASH,
                 operations=ops(update=self._hash),
                 synopsis="The HMAC a device would log for a given input."),
            Path(patterns=("config/auditing/request-headers",),
                 operations=ops(read=self._list_headers),
                 synopsis="List the request headers that are audited."),
            Path(patterns=("config/auditing/request-headers/{header}",), fields=_HEADER,
                 operations=ops(read=self._read_header, update=self._write_header,
                                delete=self._delete_header),
                 synopsis="Configure one audited request header."),
        ]

    async def _list(self, request: Request, data: FieldData) -> Response:
        listing: dict[str, Any] = {e.path: e.view() for e in self._audit.entries()}
        return Response(data=listing, legacy_top_level=True)

    async def _enable(self, request: Request, data: FieldData) -> None:
        if not self._audit.allow_api_creation:
            raise InvalidRequest(API_CREATION_REFUSED)
        options = {str(k): str(v) for k, v in data.get_map("options").items()}
        entry = AuditEntry(
            path=_mount_path(data.get_str("path")),
            type=data.get_str("type"),
            description=data.get_str("description"),
            options=options,
            local=data.get_bool("local"),
        )
        await self._audit.enable(entry)

    async def _disable(self, request: Request, data: FieldData) -> None:
        await self._audit.disable(_mount_path(data.get_str("path")))

    async def _hash(self, request: Request, data: FieldData) -> Response:
        value = data.get_str("input")
        if not value:
            raise InvalidRequest('the "input" parameter is empty')
        hashed = self._audit.hash(_mount_path(data.get_str("path")), value)
        return Response(data={"hash": hashed}, legacy_top_level=True)

    async def _list_headers(self, request: Request, data: FieldData) -> Response:
        headers = {n: {"hmac": h} for n, h in sorted(self._audit.audited_headers().items())}
        return Response(data={"headers": headers}, legacy_top_level=True)

    async def _read_header(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("header").lower()
        headers = self._audit.audited_headers()
        if name not in headers:
            raise InvalidRequest("Could not find header in config")
        return Response(data={name: {"hmac": headers[name]}}, legacy_top_level=True)

    async def _write_header(self, request: Request, data: FieldData) -> None:
        name = data.get_str("header")
        if not name:
            raise InvalidRequest("missing header name")
        await self._audit.set_header(name, data.get_bool("hmac"))

    async def _delete_header(self, request: Request, data: FieldData) -> None:
        await self._audit.delete_header(data.get_str("header"))
