"""A userpass user as stored: a bcrypt hash (never the password) plus token params."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import bcrypt
import msgpack

from pyvault.builtin.auth.tokenutil import TokenParams
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.storage import Storage

USER_PREFIX = "user/"
# Vault's bcrypt.DefaultCost: what makes a guess slow.
BCRYPT_COST = 10
MAX_PASSWORD_BYTES = 72


@dataclass(slots=True, kw_only=True)
class UserEntry:
    password_hash: bytes = field(default=b"", repr=False)
    token: TokenParams = field(default_factory=TokenParams)
    # Legacy fields, kept so a read shows them as Vault does.
    policies: list[str] = field(default_factory=list)
    ttl: int = 0
    max_ttl: int = 0
    bound_cidrs: list[str] = field(default_factory=list)

    def serialize(self) -> bytes:
        record = {"password_hash": self.password_hash, "token": self.token.to_record(),
                  "policies": self.policies, "ttl": self.ttl, "max_ttl": self.max_ttl,
                  "bound_cidrs": self.bound_cidrs}
        packed: bytes = msgpack.packb(record, use_bin_type=True)
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> UserEntry:
        record: dict[str, Any] = msgpack.unpackb(raw, raw=False)
        return cls(password_hash=record.get("password_hash", b""),
                   token=TokenParams.from_record(record.get("token", {})),
                   policies=list(record.get("policies", [])), ttl=record.get("ttl", 0),
                   max_ttl=record.get("max_ttl", 0),
                   bound_cidrs=list(record.get("bound_cidrs", [])))


async def load_user(storage: Storage, name: str) -> UserEntry | None:
    raw = await storage.get(USER_PREFIX + name)
    return None if raw is None else UserEntry.deserialize(raw)


async def save_user(storage: Storage, name: str, user: UserEntry) -> None:
    await storage.put(USER_PREFIX + name, user.serialize())


async def hash_password(password: str) -> bytes:
    """bcrypt in a worker thread: it is deliberately slow and must not stall the loop."""
    raw = password.encode()
    if len(raw) > MAX_PASSWORD_BYTES:  # bcrypt would silently ignore the rest
        raise InvalidRequest("bcrypt: password length exceeds 72 bytes")
    return await asyncio.to_thread(bcrypt.hashpw, raw, bcrypt.gensalt(BCRYPT_COST))


async def check_password(password: str, hashed: bytes) -> bool:
    """Runs the full bcrypt check whatever the input, so every refusal costs the same."""
    raw = password.encode()[:MAX_PASSWORD_BYTES]
    matched = await asyncio.to_thread(_checkpw, raw, hashed)
    return matched and len(password.encode()) <= MAX_PASSWORD_BYTES


def _checkpw(password: bytes, hashed: bytes) -> bool:
    try:
        return bcrypt.checkpw(password, hashed)
    except ValueError:
        return False


def parse_password_hash(text: str) -> bytes:
    """A client-made bcrypt hash (``password_hash``): checked, then stored as given."""
    raw = text.encode()
    try:
        bcrypt.checkpw(b"", raw)
    except ValueError:
        raise InvalidRequest("password_hash is not a valid bcrypt hash") from None
    return raw


class DummyHash:
    """A bcrypt hash of a random password, made once per backend: a login for a user
    that does not exist checks against it so it costs what a real check costs."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._hash: bytes | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> bytes:
        async with self._lock:
            if self._hash is None:
                self._hash = await asyncio.to_thread(
                    bcrypt.hashpw, self._secret.hex().encode(), bcrypt.gensalt(BCRYPT_COST))
            return self._hash
