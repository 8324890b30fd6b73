"""Storage keys and index records of the token store, in one place."""

from __future__ import annotations

from typing import Any

import msgpack

ID_PREFIX = "id/"
ACCESSOR_PREFIX = "accessor/"
PARENT_PREFIX = "parent/"


def parent_key(parent_hash: str, child_hash: str) -> str:
    return f"{PARENT_PREFIX}{parent_hash}/{child_hash}"


def encode_accessor_record(token_hash: str, accessor: str) -> bytes:
    packed: bytes = msgpack.packb({"token_hash": token_hash, "accessor": accessor})
    return packed


def decode_accessor_record(raw: bytes) -> tuple[str, str]:
    """(token hash, accessor) from an accessor index value."""
    try:
        record: Any = msgpack.unpackb(raw, raw=False)
    except Exception:  # msgpack raises several unrelated types on foreign bytes
        record = None
    if isinstance(record, dict):
        return str(record.get("token_hash", "")), str(record.get("accessor", ""))
    return raw.decode(errors="replace"), ""  # early format: the bare token hash
