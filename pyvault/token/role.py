"""Token roles: stored presets that let tokens be created with rules of their own."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgpack

from pyvault.logical.storage import Storage

ROLES_PREFIX = "roles/"
TOKEN_TYPES = ("service", "batch", "default-service", "default-batch")


@dataclass(slots=True, kw_only=True)
class TokenRole:
    name: str
    allowed_policies: list[str] = field(default_factory=list)
    disallowed_policies: list[str] = field(default_factory=list)
    allowed_policies_glob: list[str] = field(default_factory=list)
    disallowed_policies_glob: list[str] = field(default_factory=list)
    orphan: bool = False
    renewable: bool = True
    path_suffix: str = ""
    allowed_entity_aliases: list[str] | None = None
    # Deprecated spellings, kept so a read shows what was written.
    period: int = 0
    explicit_max_ttl: int = 0
    bound_cidrs: list[str] = field(default_factory=list)
    # The token_* fields that decide what created tokens get.
    token_period: int = 0
    token_explicit_max_ttl: int = 0
    token_bound_cidrs: list[str] = field(default_factory=list)
    token_type: str = "default-service"
    token_no_default_policy: bool = False
    token_num_uses: int = 0

    def view(self) -> dict[str, Any]:
        """The role as ``GET auth/token/roles/<name>`` shows it."""
        data: dict[str, Any] = {
            "allowed_entity_aliases": self.allowed_entity_aliases,
            "allowed_policies": self.allowed_policies,
            "allowed_policies_glob": self.allowed_policies_glob,
            "disallowed_policies": self.disallowed_policies,
            "disallowed_policies_glob": self.disallowed_policies_glob,
            "explicit_max_ttl": self.explicit_max_ttl,
            "name": self.name,
            "orphan": self.orphan,
            "path_suffix": self.path_suffix,
            "period": self.period,
            "renewable": self.renewable,
            "token_explicit_max_ttl": self.token_explicit_max_ttl,
            "token_no_default_policy": self.token_no_default_policy,
            "token_period": self.token_period,
            "token_type": self.token_type,
        }
        if self.token_bound_cidrs:
            data["token_bound_cidrs"] = self.token_bound_cidrs
        if self.bound_cidrs:
            data["bound_cidrs"] = self.bound_cidrs
        if self.token_num_uses > 0:
            data["token_num_uses"] = self.token_num_uses
        return data

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(asdict(self), use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> TokenRole:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})


class RoleStore:
    """Roles under ``roles/`` of the token store's storage."""

    __slots__ = ("_storage",)

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, name: str) -> TokenRole | None:
        raw = await self._storage.get(ROLES_PREFIX + name)
        return None if raw is None else TokenRole.deserialize(raw)

    async def put(self, role: TokenRole) -> None:
        await self._storage.put(ROLES_PREFIX + role.name, role.serialize())

    async def delete(self, name: str) -> None:
        await self._storage.delete(ROLES_PREFIX + name)

    async def names(self) -> list[str]:
        return await self._storage.list(ROLES_PREFIX)
