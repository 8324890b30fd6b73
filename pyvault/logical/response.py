"""The response value a backend returns; only pyvault.http knows the envelope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, kw_only=True)
class Auth:
    client_token: str = field(default="", repr=False)
    accessor: str = ""
    policies: list[str] = field(default_factory=list)
    token_policies: list[str] = field(default_factory=list)
    identity_policies: list[str] | None = None
    metadata: dict[str, str] | None = None
    lease_duration: int = 0
    renewable: bool = False
    entity_id: str = ""
    token_type: str = "service"
    orphan: bool = False
    num_uses: int = 0
    mfa_requirement: Any = None


@dataclass(slots=True, kw_only=True)
class Secret:
    lease_id: str = ""
    lease_duration: int = 0
    renewable: bool = False


@dataclass(slots=True, kw_only=True)
class WrapInfo:
    token: str = field(default="", repr=False)
    accessor: str = ""
    ttl: int = 0
    creation_time: str = ""
    creation_path: str = ""
    wrapped_accessor: str = ""


@dataclass(slots=True, kw_only=True)
class Response:
    """What a handler produced. ``status`` overrides the default 200/204 choice,
    and ``raw_body`` bypasses the JSON envelope (CRLs, PEM, metrics)."""

    data: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    auth: Auth | None = None
    secret: Secret | None = None
    wrap_info: WrapInfo | None = None
    status: int | None = None
    raw_body: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Set on a 404 whose body still carries data (KV v2 soft-deleted version).
    not_found_with_data: bool = False
    # Old sys/ endpoints repeat ``data`` at the top level of the envelope.
    legacy_top_level: bool = False
    # Filled in by the core from the mount that answered (Vault's ``mount_type``).
    mount_type: str = ""
