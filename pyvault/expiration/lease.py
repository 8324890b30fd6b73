"""A lease record: what expires when, and who owns it.

Token leases (``kind == AUTH``) stand for a service token; secret leases for
something a backend handed out. Records never hold a token string, only the
token's salted hash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import msgpack

# Vault caps the stored revocation error (expiration.go maxIrrevocableErrorLength).
MAX_REVOKE_ERROR = 240


class LeaseKind(StrEnum):
    AUTH = "auth"
    SECRET = "secret"


@dataclass(slots=True, kw_only=True)
class LeaseEntry:
    lease_id: str
    path: str  # the request path that made it (token: the token's creation path)
    kind: LeaseKind
    issue_time: float
    expire_time: float = 0.0  # 0 = never expires (root tokens)
    last_renewal_time: float = 0.0
    ttl: int = 0  # the TTL granted last (a renewal without increment reuses it)
    max_ttl: int = 0  # the backend's own cap on renewals (secrets)
    renewable: bool = False
    token_hash: str = ""  # AUTH: the token itself; SECRET: the token that asked for it
    token_type: str = "service"
    index_hash: str = ""  # whose secondary index lists this secret lease ("" = none)
    data: dict[str, Any] | None = None  # SECRET: the response data, for revoke/renew
    internal: dict[str, Any] | None = None  # SECRET: backend-private data
    num_uses: int = 0  # AUTH: uses granted at creation (renew answers show it)
    revoke_error: str = ""  # set once revocation gave up: the lease is irrevocable
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_auth(self) -> bool:
        return self.kind is LeaseKind.AUTH

    @property
    def irrevocable(self) -> bool:
        return self.revoke_error != ""

    def not_renewable_reason(self, now: float) -> str | None:
        """Why a renewal is refused (Vault's ``leaseEntry.renewable`` order), else None."""
        if self.irrevocable:
            return "lease is expired and has failed previous revocation attempts"
        if not self.expire_time:
            return "lease is not renewable"
        if self.token_type == "batch":
            return ""  # not renewable, without an error text
        if self.expire_time < now:
            return "lease expired"
        if not self.renewable:
            return "lease is not renewable"
        return None

    def ttl_at(self, now: float) -> int:
        """Seconds left, as Vault computes them (expiry minus now rounded to the second)."""
        if not self.expire_time:
            return 0
        return int(self.expire_time - round(now))

    def serialize(self) -> bytes:
        record = asdict(self)
        record["kind"] = self.kind.value
        packed: bytes = msgpack.packb(record, use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> LeaseEntry:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        known = {k: v for k, v in record.items() if k in cls.__dataclass_fields__}
        known["kind"] = LeaseKind(known.get("kind", LeaseKind.SECRET.value))
        return cls(**known)
