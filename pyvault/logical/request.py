"""The request value every layer below HTTP works with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyvault.logical.operation import Operation
from pyvault.logical.storage import Storage

JSONDict = dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    remote_addr: str = ""
    remote_port: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One logical request. The router hands a backend a copy with ``path`` made
    relative to the mount and ``storage`` set to the mount's view."""

    operation: Operation
    path: str
    data: JSONDict = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    client_token: str = field(default="", repr=False)
    request_id: str = ""
    connection: Connection = field(default_factory=Connection)
    storage: Storage | None = None
    mount_point: str = ""
    mount_type: str = ""
    mount_accessor: str = ""
    wrap_ttl: int = 0
    token_entry: Any = None
    body_is_json_object: bool = True
    # The undecoded body of a request whose content type the backend parses itself
    # (``application/ocsp-request``), as Vault hands the PKI backend the HTTP body.
    raw_body: bytes | None = field(default=None, repr=False)

    def require_storage(self) -> Storage:
        if self.storage is None:
            raise RuntimeError("request was not routed to a mount")
        return self.storage
