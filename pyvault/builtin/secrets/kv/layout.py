"""Where the KV engine keeps things in its mount's storage, and how values are encoded.

See the package docstring for the whole layout. Every value is JSON: secret
payloads so their types round-trip exactly, records so storage stays readable.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# Everything KV v2 writes lives under this folder; KV v1 owns every other key.
V2_PREFIX = ".kv2/"
CONFIG_KEY = V2_PREFIX + "config"
UPGRADE_KEY = V2_PREFIX + "upgrade"
META_PREFIX = V2_PREFIX + "meta/"
DATA_PREFIX = V2_PREFIX + "data/"
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def meta_key(path: str) -> str:
    return META_PREFIX + path


def version_key(path: str, version: int) -> str:
    """One blob per version; the number is last, so no two secrets' keys collide."""
    return f"{DATA_PREFIX}{path}/{version}"


def is_v2_key(key: str) -> bool:
    return key == V2_PREFIX[:-1] or key.startswith(V2_PREFIX)


def encode(value: Any) -> bytes:
    """Canonical JSON: keys sorted at every level (Go's order), no spaces.

    orjson covers the common case; integers beyond 64 bits fall back to the
    stdlib encoder, so even those survive exactly. orjson's result sits in a
    4 KiB allocation whatever its length; payloads are cached, so they are copied
    to their own size (measured: a 66-byte secret held 4.4 KiB, ~30 MiB of RSS over
    a full version cache).
    """
    try:
        return bytes(memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)))
    except TypeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()


def decode(raw: bytes) -> Any:
    """orjson unless a 19+ digit run could be an integer beyond 64 bits (which orjson
    would turn into a float); the stdlib parser keeps those exact."""
    if _LONG_DIGITS.search(raw):
        return json.loads(raw)
    return orjson.loads(raw)
