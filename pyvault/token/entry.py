"""A token's stored record. The token string itself is never stored, only its salted hash."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgpack

# num_uses of a token whose last use is under way: it no longer looks up (Vault's
# tokenRevocationPending).
REVOCATION_PENDING = -1


@dataclass(slots=True, kw_only=True)
class TokenEntry:
    token_hash: str
    accessor: str = ""
    policies: list[str] = field(default_factory=list)
    parent_hash: str = ""  # "" = orphan
    path: str = ""  # creation path: "auth/token/create", "auth/token/create/<role>/<suffix>"
    display_name: str = ""
    meta: dict[str, str] | None = None
    num_uses: int = 0  # uses left; 0 = unlimited, -1 = revocation pending
    creation_time: float = 0.0
    ttl: int = 0  # TTL granted at creation (lookup's creation_ttl)
    explicit_max_ttl: int = 0
    period: int = 0
    renewable: bool = False
    token_type: str = "service"
    entity_id: str = ""
    role: str = ""
    expire_time: float = 0.0  # 0 = never; kept equal to the lease's expiry
    bound_cidrs: list[str] = field(default_factory=list)
    cubbyhole_id: str = ""  # a stable, non-secret key for the token's cubbyhole

    @property
    def orphan(self) -> bool:
        return self.parent_hash == ""

    def is_root(self) -> bool:
        return "root" in self.policies

    def expired(self, now: float) -> bool:
        return bool(self.expire_time) and self.expire_time <= now

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(asdict(self), use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> TokenEntry:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        known = {k: v for k, v in record.items() if k in cls.__dataclass_fields__}
        return cls(**known)
