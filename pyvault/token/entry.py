"""A token's stored record. The token string itself is never stored."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgpack


@dataclass(slots=True, kw_only=True)
class TokenEntry:
    token_hash: str
    accessor: str
    policies: list[str] = field(default_factory=list)
    parent_hash: str = ""
    path: str = ""
    display_name: str = ""
    meta: dict[str, str] | None = None
    num_uses: int = 0
    creation_time: float = 0.0
    ttl: int = 0
    explicit_max_ttl: int = 0
    period: int = 0
    renewable: bool = False
    orphan: bool = False
    token_type: str = "service"
    entity_id: str = ""
    role: str = ""
    expire_time: float = 0.0  # 0 = never

    def is_root(self) -> bool:
        return "root" in self.policies

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(asdict(self), use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> TokenEntry:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        known = {k: v for k, v in record.items() if k in cls.__dataclass_fields__}
        return cls(**known)
