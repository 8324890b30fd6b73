"""A mount table entry: what is mounted where, and its tunables."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Tunables a mount's ``config`` may carry, besides the two lease TTLs.
LIST_CONFIG_KEYS = (
    "audit_non_hmac_request_keys",
    "audit_non_hmac_response_keys",
    "passthrough_request_headers",
    "allowed_response_headers",
    "allowed_managed_keys",
    "delegated_auth_accessors",
)
STRING_CONFIG_KEYS = ("listing_visibility", "token_type", "plugin_version")


@dataclass(slots=True, kw_only=True)
class MountEntry:
    path: str  # with trailing slash; auth mounts include "auth/": "auth/userpass/"
    type: str
    uuid: str
    accessor: str
    description: str = ""
    default_lease_ttl: int = 0  # 0 = the server's default
    max_lease_ttl: int = 0
    force_no_cache: bool = False
    extra_config: dict[str, Any] = field(default_factory=dict)
    options: dict[str, str] | None = None
    local: bool = False
    seal_wrap: bool = False
    external_entropy_access: bool = False
    storage_prefix: str = ""
    is_auth: bool = False

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> MountEntry:
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})

    @property
    def relative_path(self) -> str:
        """The path as sys/auth shows it (without ``auth/``)."""
        return self.path[len("auth/") :] if self.is_auth else self.path

    def config_view(self) -> dict[str, Any]:
        """``config`` as sys/mounts lists it: configured values, 0 meaning default."""
        view: dict[str, Any] = {
            "default_lease_ttl": self.default_lease_ttl,
            "force_no_cache": self.force_no_cache,
            "max_lease_ttl": self.max_lease_ttl,
        }
        view.update(self.extra_config)
        if self.is_auth and "token_type" not in view:
            view["token_type"] = "default-service"
        return dict(sorted(view.items()))

    def view(self) -> dict[str, Any]:
        """The entry as sys/mounts and sys/auth show it."""
        body: dict[str, Any] = {
            "accessor": self.accessor,
            "config": self.config_view(),
            "description": self.description,
            "external_entropy_access": self.external_entropy_access,
            "local": self.local,
            "options": self.options,
            "plugin_version": "",
            "running_plugin_version": f"v{BUILTIN_VERSION}+builtin.pyvault",
            "running_sha256": "",
            "seal_wrap": self.seal_wrap,
            "type": self.type,
            "uuid": self.uuid,
        }
        if self.type not in ("system", "cubbyhole", "identity", "token"):
            body["deprecation_status"] = "supported"
        return dict(sorted(body.items()))


BUILTIN_VERSION = "0.1.0"
