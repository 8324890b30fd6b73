"""AppRole records and their storage layout (Vault's, in spirit).

- ``role/<name>``: the :class:`RoleEntry` (its role id, HMAC key and constraints);
- ``role_id/<hmac>``: which role a role id belongs to;
- ``secret_id/<role hmac>/<secret hmac>``: a :class:`SecretIDEntry`;
- ``accessor/<role hmac>/<accessor hmac>``: the secret id hash behind an accessor.

Secret ids are stored only as HMAC-SHA256 under the role's random key: storage
never holds a usable secret id, and lookups still take one read.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgpack

from pyvault.builtin.auth.tokenutil import TokenParams
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.storage import Storage

ROLE = "role/"
ROLE_ID = "role_id/"
SECRET_ID = "secret_id/"
ACCESSOR = "accessor/"
ZERO_TIME = "0001-01-01T00:00:00Z"


def pack(record: dict[str, Any]) -> bytes:
    packed: bytes = msgpack.packb(record, use_bin_type=True)
    return packed


def unpack(raw: bytes) -> dict[str, Any]:
    record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
    return record


def hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def rfc3339(seconds: float) -> str:
    """Go's RFC3339Nano for a float epoch ("" never: unset times are Go's zero time)."""
    if not seconds:
        return ZERO_TIME
    whole = int(seconds)
    micros = round((seconds - whole) * 1_000_000)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if micros:
        text += "." + f"{micros:06d}".rstrip("0")
    return text + "Z"


def parse_cidr_blocks(values: list[str], *, wrapped: bool = True) -> list[str]:
    """AppRole's CIDR lists must be CIDR blocks; they are kept as written. Vault's role
    write wraps the refusal as a multierror; the per-field endpoints do not."""
    blocks = [str(v).strip() for v in values if str(v).strip()]
    for block in blocks:
        try:
            if "/" not in block:
                raise ValueError(block)
            ipaddress.ip_network(block, strict=False)
        except ValueError:
            message = f"failed to validate CIDR blocks: invalid CIDR address: {block}"
            raise InvalidRequest(multierror(message) if wrapped else message) from None
    return blocks


def cidr_subset(outer: list[str], inner: list[str]) -> bool:
    """Every block of ``inner`` lies inside some block of ``outer``."""
    nets = [ipaddress.ip_network(o, strict=False) for o in outer]
    for block in inner:
        net = ipaddress.ip_network(block, strict=False)
        if not any(net.version == o.version and net.subnet_of(o)  # type: ignore[arg-type]
                   for o in nets):
            return False
    return True


def address_in(blocks: list[str], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(b, strict=False) for b in blocks)


@dataclass(slots=True, kw_only=True)
class RoleEntry:
    name: str
    role_id: str
    hmac_key: bytes = field(repr=False)
    bind_secret_id: bool = True
    # None until given (Vault's nil slice reads as null; a given empty list as []).
    secret_id_bound_cidrs: list[str] | None = None
    secret_id_num_uses: int = 0
    secret_id_ttl: int = 0
    local_secret_ids: bool = False
    token: TokenParams = field(default_factory=TokenParams)
    policies: list[str] = field(default_factory=list)  # legacy, shown when set
    period: int = 0  # legacy, shown when set
    # Whether token_bound_cidrs was ever given (TokenParams cannot hold Vault's nil).
    token_cidrs_given: bool = False

    def serialize(self) -> bytes:
        record = asdict(self)
        record["token"] = self.token.to_record()
        return pack(record)

    @classmethod
    def deserialize(cls, raw: bytes) -> RoleEntry:
        record = unpack(raw)
        record["token"] = TokenParams.from_record(record.get("token", {}))
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})

    @property
    def key(self) -> str:
        """This role's directory under ``secret_id/`` and ``accessor/``."""
        return hmac_hex(self.hmac_key, self.name)

    def secret_key(self, secret_id: str) -> str:
        return f"{SECRET_ID}{self.key}/{hmac_hex(self.hmac_key, secret_id)}"

    def accessor_key(self, accessor: str) -> str:
        return f"{ACCESSOR}{self.key}/{hmac_hex(self.hmac_key, accessor)}"


@dataclass(slots=True, kw_only=True)
class SecretIDEntry:
    accessor: str
    num_uses: int = 0
    ttl: int = 0
    creation_time: float = 0.0
    last_updated_time: float = 0.0
    expiration_time: float = 0.0  # 0 = never
    metadata: dict[str, str] = field(default_factory=dict)
    cidr_list: list[str] = field(default_factory=list)
    token_bound_cidrs: list[str] = field(default_factory=list)

    def serialize(self) -> bytes:
        return pack(asdict(self))

    @classmethod
    def deserialize(cls, raw: bytes) -> SecretIDEntry:
        record = unpack(raw)
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})

    def expired(self, now: float) -> bool:
        return bool(self.expiration_time) and self.expiration_time <= now

    def view(self) -> dict[str, Any]:
        return {
            "cidr_list": list(self.cidr_list),
            "creation_time": rfc3339(self.creation_time),
            "expiration_time": rfc3339(self.expiration_time),
            "last_updated_time": rfc3339(self.last_updated_time),
            "metadata": dict(self.metadata),
            "secret_id_accessor": self.accessor,
            "secret_id_num_uses": self.num_uses,
            "secret_id_ttl": self.ttl,
            "token_bound_cidrs": list(self.token_bound_cidrs),
        }


async def load_role(storage: Storage, name: str) -> RoleEntry | None:
    raw = await storage.get(ROLE + name.lower())
    return None if raw is None else RoleEntry.deserialize(raw)


async def save_role(storage: Storage, role: RoleEntry) -> None:
    await storage.put(ROLE + role.name, role.serialize())


async def role_for_id(storage: Storage, index_key: bytes, role_id: str) -> str | None:
    raw = await storage.get(ROLE_ID + hmac_hex(index_key, role_id))
    return None if raw is None else str(unpack(raw)["name"])


async def load_secret(storage: Storage, role: RoleEntry,
                      secret_hash_key: str) -> SecretIDEntry | None:
    raw = await storage.get(secret_hash_key)
    return None if raw is None else SecretIDEntry.deserialize(raw)


async def delete_secret(storage: Storage, role: RoleEntry, secret_key: str,
                        entry: SecretIDEntry) -> None:
    """Accessor first: a crash leaves at worst an entry tidy can still find."""
    await storage.delete(role.accessor_key(entry.accessor))
    await storage.delete(secret_key)
