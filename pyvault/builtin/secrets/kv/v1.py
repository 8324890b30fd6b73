"""KV version 1: a pass-through store, one JSON entry per path (Vault's "passthrough").

Entries are kept exactly as written (JSON bytes, keys sorted) at the path itself.
A ``ttl`` (or ``lease``) field only sets the ``lease_duration`` of reads, with no
lease id: consumers take it as a hint to re-read, nothing is ever revoked.
"""

from __future__ import annotations

from typing import Any

from pyvault.builtin.secrets.kv import goparse, layout
from pyvault.builtin.secrets.kv.cache import LRU
from pyvault.builtin.secrets.kv.params import PATH_FIELD, secret_path, with_param_warnings
from pyvault.framework.backend import Backend
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response, Secret
from pyvault.logical.storage import Storage
from pyvault.logical.system_view import BackendConfig

CACHE_ENTRIES = 8192
RESERVED = f"paths under '{layout.V2_PREFIX}' are reserved by the kv engine"


class V1Paths:
    """The single catch-all path of a v1 mount, with an exact read cache."""

    def __init__(self, config: BackendConfig) -> None:
        self._system = config.system
        self._storage: Storage | None = None
        self._cache: LRU[str, bytes] = LRU(CACHE_ENTRIES)  # b"": known absent

    def paths(self) -> list[Path]:
        fields = {"path": PATH_FIELD}
        handlers = {name: with_param_warnings(fields, handler) for name, handler in (
            ("read", self._read), ("create", self._write), ("update", self._write),
            ("delete", self._delete), ("list", self._list))}
        return [Path(patterns=("{path:optpath}",), fields=fields, operations=ops(**handlers),
                     existence_check=self._exists, takes_arbitrary_input=True,
                     synopsis=SYNOPSIS, description=DESCRIPTION)]

    def _bound(self, request: Request) -> Storage:
        storage = request.require_storage()
        if storage is not self._storage:
            self._storage = storage
            self._cache.clear()
        return storage

    async def _get(self, storage: Storage, path: str) -> bytes | None:
        cached = self._cache.get(path)
        if cached is None:
            raw = await storage.get(path)
            cached = b"" if raw is None else raw
            self._cache.put(path, cached)
        return cached or None

    async def _exists(self, request: Request, data: FieldData) -> bool:
        path = secret_path(data)
        return bool(path) and await self._get(self._bound(request), path) is not None

    async def _read(self, request: Request, data: FieldData) -> Response | None:
        path = secret_path(data)
        raw = await self._get(self._bound(request), path) if path else None
        if raw is None:
            return None
        secret: dict[str, Any] = layout.decode(raw)
        return Response(data=secret, secret=Secret(
            lease_duration=lease_hint(secret, self._system.default_lease_ttl())))

    async def _write(self, request: Request, data: FieldData) -> None:
        path = secret_path(data)
        if not path:
            raise InvalidRequest("missing path")
        if not request.data:
            raise InvalidRequest("missing data fields")
        if layout.is_v2_key(path):
            raise InvalidRequest(RESERVED)
        storage = self._bound(request)
        payload = layout.encode(request.data)
        self._cache.drop(path)
        await storage.put(path, payload)
        self._cache.put(path, payload)

    async def _delete(self, request: Request, data: FieldData) -> None:
        path = secret_path(data)
        if layout.is_v2_key(path):
            raise InvalidRequest(RESERVED)
        storage = self._bound(request)
        self._cache.drop(path)
        await storage.delete(path)
        self._cache.put(path, b"")

    async def _list(self, request: Request, data: FieldData) -> Response | None:
        path = secret_path(data)
        if path and not path.endswith("/"):
            path += "/"
        keys = [k for k in await self._bound(request).list(path)
                if not layout.is_v2_key(path + k)]
        return Response(data={"keys": keys}) if keys else None


def lease_hint(secret: dict[str, Any], default: int) -> int:
    """Seconds from ``ttl`` (else ``lease``) when it parses as Vault parses it, else the
    mount's default TTL. Never capped: it is only a hint."""
    if "ttl" in secret:
        raw = secret["ttl"]
    elif "lease" in secret:
        raw = secret["lease"]
    else:
        return default
    try:
        nanos = goparse.duration_ns(raw)
    except goparse.GoDecodeError:
        return default
    whole = abs(nanos) // 1_000_000_000
    return -whole if nanos < 0 else whole


def v1_backend(config: BackendConfig) -> Backend:
    return Backend(paths=V1Paths(config).paths(), backend_type="kv", help=HELP)


HELP = (
    "The kv backend reads and writes arbitrary secrets to the backend.\n"
    "The secrets are encrypted/decrypted by Vault: they are never stored\n"
    "unencrypted in the backend and the backend never has an opportunity to\n"
    "see the unencrypted value.\n\n"
    "TTLs can be set on a per-secret basis. These TTLs will be sent down\n"
    "when that secret is read, and it is assumed that some outside process will\n"
    "revoke and/or replace the secret at that path."
)
SYNOPSIS = (
    "Pass-through secret storage to the storage backend, allowing you to\n"
    "read/write arbitrary data into secret storage."
)
DESCRIPTION = (
    "The pass-through backend reads and writes arbitrary data into secret storage,\n"
    "encrypting it along the way.\n\n"
    'A TTL can be specified when writing with the "ttl" field. If given, the\n'
    "duration of leases returned by this backend will be set to this value. This\n"
    "can be used as a hint from the writer of a secret to the consumer of a secret\n"
    "that the consumer should re-read the value before the TTL has expired.\n"
    "However, any revocation must be handled by the user of this backend; the lease\n"
    "duration does not affect the provided data in any way."
)
