"""Batch tokens: the entry travels inside the token, sealed, and nothing is stored.

``hvb.`` + base64url(AES-256-GCM(key, msgpack(entry))). The key lives in the
token store's storage (inside the barrier), so only this vault can open them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgpack

from pyvault.crypto.aead import DecryptionError, open_sealed, seal
from pyvault.crypto.random import RandomSource
from pyvault.token.entry import TokenEntry

BATCH_PREFIX = "hvb."
LEGACY_BATCH_PREFIX = "b."
_AAD = b"pyvault-batch-token-v1"


def is_batch_token(token: str) -> bool:
    return token.startswith((BATCH_PREFIX, LEGACY_BATCH_PREFIX))


class BatchCodec:
    __slots__ = ("_key", "_random")

    def __init__(self, key: bytes, random: RandomSource) -> None:
        self._key = key
        self._random = random

    def encode(self, entry: TokenEntry) -> str:
        payload = {
            "parent": entry.parent_hash,
            "policies": entry.policies,
            "path": entry.path,
            "meta": entry.meta,
            "display_name": entry.display_name,
            "creation_time": int(entry.creation_time),
            "ttl": entry.ttl,
            "role": entry.role,
            "entity_id": entry.entity_id,
            "bound_cidrs": entry.bound_cidrs,
        }
        packed: bytes = msgpack.packb(payload, use_bin_type=True)
        blob = seal(self._key, packed, _AAD, self._random)
        return BATCH_PREFIX + base64.urlsafe_b64encode(blob).rstrip(b"=").decode()

    def decode(self, token: str, token_hash: str) -> TokenEntry | None:
        """The entry sealed in ``token``, or None when it is not one of ours."""
        body = token[len(BATCH_PREFIX) :] if token.startswith(BATCH_PREFIX) else token[2:]
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            record: dict[str, Any] = msgpack.unpackb(open_sealed(self._key, blob, _AAD))
        except (binascii.Error, ValueError, DecryptionError):
            return None
        created = float(record["creation_time"])
        ttl = int(record["ttl"])
        return TokenEntry(
            token_hash=token_hash,
            policies=list(record["policies"]),
            parent_hash=record["parent"],
            path=record["path"],
            display_name=record["display_name"],
            meta=record["meta"],
            creation_time=created,
            ttl=ttl,
            token_type="batch",
            entity_id=record["entity_id"],
            role=record["role"],
            expire_time=created + ttl if ttl else 0.0,
            bound_cidrs=list(record.get("bound_cidrs") or []),
        )
