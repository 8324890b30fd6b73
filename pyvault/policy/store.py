"""Named ACL policies in storage, and compiled ACLs cached per policy set.

A compiled ACL is cached under the sorted tuple of policy names; any write or
delete clears the cache, so a cached ACL is always exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgpack

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.storage import Storage, collect_keys
from pyvault.policy.acl import ACL
from pyvault.policy.defaults import (
    DEFAULT_POLICY,
    DEFAULT_POLICY_NAME,
    RESPONSE_WRAPPING_POLICY,
    RESPONSE_WRAPPING_POLICY_NAME,
    ROOT_POLICY_NAME,
)
from pyvault.policy.model import Policy
from pyvault.policy.policy import normalize_policy_name, parse_policy
from pyvault.util.clock import Clock

ACL_PREFIX = "acl/"


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    name: str
    text: str
    version: int
    modified: float
    cas_required: bool = False

    def serialize(self) -> bytes:
        packed: bytes = msgpack.packb(
            [self.name, self.text, self.version, self.modified, self.cas_required]
        )
        return packed

    @classmethod
    def deserialize(cls, raw: bytes) -> StoredPolicy:
        name, text, version, modified, cas_required = msgpack.unpackb(raw)
        return cls(name, text, int(version), float(modified), bool(cas_required))


class PolicyStore:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self._parsed: dict[str, Policy] = {}
        self._acls: dict[tuple[str, ...], ACL] = {}

    async def load(self) -> None:
        """Create the ``default`` policy on first unseal; drop every cache."""
        self._parsed.clear()
        self._acls.clear()
        if await self._storage.get(ACL_PREFIX + DEFAULT_POLICY_NAME) is None:
            await self._write(StoredPolicy(DEFAULT_POLICY_NAME, DEFAULT_POLICY, 1,
                                           self._clock.now()))

    def unload(self) -> None:
        self._parsed.clear()
        self._acls.clear()

    async def names(self) -> list[str]:
        """Sorted names (nested ones like ``team/app`` included), ``root`` last: Vault's order."""
        stored = await collect_keys(self._storage, ACL_PREFIX)
        names = sorted(key[len(ACL_PREFIX):] for key in stored)
        return [n for n in names if n != ROOT_POLICY_NAME] + [ROOT_POLICY_NAME]

    async def get(self, name: str) -> StoredPolicy | None:
        name = normalize_policy_name(name)
        if name == RESPONSE_WRAPPING_POLICY_NAME:
            return StoredPolicy(name, RESPONSE_WRAPPING_POLICY, 1, 0.0)
        if name == ROOT_POLICY_NAME:
            return StoredPolicy(name, "", 0, 0.0)
        raw = await self._storage.get(ACL_PREFIX + name)
        return StoredPolicy.deserialize(raw) if raw is not None else None

    async def set(
        self, name: str, text: str, cas: int | None = None, cas_required: bool | None = None
    ) -> StoredPolicy:
        name = normalize_policy_name(name)
        if name in (ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME):
            raise InvalidRequest(f'cannot update "{name}" policy')
        parse_policy(name, text)  # raises PolicyError with Vault's text
        current = await self.get(name)
        version = current.version if current else 0
        if current is not None and current.cas_required and cas is None:
            raise InvalidRequest("check-and-set parameter required for this call")
        if cas == -1 and current is not None:
            raise InvalidRequest("check-and-set parameter set to -1 on existing entry")
        if cas is not None and cas != -1 and cas != version:
            raise InvalidRequest(
                f"check-and-set parameter {cas} did not match the current version {version}"
            )
        if cas_required is None:
            cas_required = current.cas_required if current else False
        stored = StoredPolicy(name, text, version + 1, self._clock.now(), cas_required)
        await self._write(stored)
        return stored

    async def delete(self, name: str) -> None:
        name = normalize_policy_name(name)
        if name == DEFAULT_POLICY_NAME:
            raise InvalidRequest("cannot delete default policy")
        if name in (ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME):
            raise InvalidRequest(f'cannot delete "{name}" policy')
        await self._storage.delete(ACL_PREFIX + name)
        self._invalidate()

    async def acl(self, names: Iterable[str]) -> ACL:
        """The compiled ACL for a token's policy set (unknown names grant nothing)."""
        key = tuple(sorted(set(names)))
        cached = self._acls.get(key)
        if cached is not None:
            return cached
        if ROOT_POLICY_NAME in key:
            acl = ACL.root()
            self._acls[key] = acl
            return acl
        policies = [p for p in [await self._policy(n) for n in key] if p is not None]
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        acl = ACL.compile(policies, now=now)
        if not any(rule.expiration is not None for p in policies for rule in p.rules):
            # Rules with an expiration make the answer time-dependent: never cached.
            self._acls[key] = acl
        return acl

    async def _policy(self, name: str) -> Policy | None:
        parsed = self._parsed.get(name)
        if parsed is None:
            stored = await self.get(name)
            if stored is None:
                return None
            parsed = parse_policy(name, stored.text)
            self._parsed[name] = parsed
        return parsed

    async def _write(self, stored: StoredPolicy) -> None:
        await self._storage.put(ACL_PREFIX + stored.name, stored.serialize())
        self._invalidate()

    def _invalidate(self) -> None:
        self._parsed.clear()
        self._acls.clear()
