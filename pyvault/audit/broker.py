"""The audit broker: fans each entry out to every enabled device.

Fail closed: while at least one device is enabled, a request whose entry no
device accepted must not run (Vault's ``LogRequest`` → 500). With no device the
broker is inactive, and the pipeline skips it after one attribute check, so
audit-off costs nothing per request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import msgpack

from pyvault.audit.devices import AuditSinkError, Sink
from pyvault.audit.entry import (
    AuditTrail,
    FormatOptions,
    raw_response_entry,
    request_entry,
    response_entry,
)
from pyvault.audit.entry import test_entry as make_test_entry
from pyvault.audit.formats import encode
from pyvault.audit.hashing import Salt, identity
from pyvault.audit.table import (
    HEADERS_KEY,
    TABLE_KEY,
    AuditEntry,
    DeviceSettings,
    make_sink,
    pack_table,
    parse_common,
    unpack_table,
)
from pyvault.crypto.random import RandomSource
from pyvault.logical.errors import (
    InternalError,
    InvalidRequest,
    UnsupportedOperation,
    UnsupportedPath,
    multierror,
)
from pyvault.logical.response import Response
from pyvault.logical.storage import Storage
from pyvault.util.clock import Clock
from pyvault.util.ids import new_uuid

log = logging.getLogger("pyvault.audit")


class AuditFailed(InternalError):
    """No device took an entry: the request fails with Vault's bare 500."""


@dataclass(slots=True)
class Device:
    entry: AuditEntry
    sink: Sink
    salt: Salt
    settings: DeviceSettings
    options: FormatOptions

    async def send(self, record: dict[str, Any]) -> None:
        await self.sink.write(encode(record, self.settings.fmt, self.settings.prefix))


class AuditBroker:
    def __init__(
        self, storage: Storage, random: RandomSource, clock: Clock, *,
        allow_api_creation: bool = False, allow_prefixing: bool = False,
    ) -> None:
        self._storage = storage
        self._random = random
        self._clock = clock
        self.allow_api_creation = allow_api_creation
        self.allow_prefixing = allow_prefixing
        self._devices: dict[str, Device] = {}
        # The stored table: may list a device that failed to start (kept, not lost).
        self._table: list[AuditEntry] = []
        self._headers: dict[str, bool] = {}
        self._lock = asyncio.Lock()
        self.failures = 0  # entries a device refused (the audit failure metric)
        # Requests whose request / response entry no device took (Vault's
        # vault.audit.log_request_failure / log_response_failure).
        self.request_failures = 0
        self.response_failures = 0
        self.active = False

    # ---- lifecycle (unseal / seal) -------------------------------------------------

    async def load(self) -> None:
        """Rebuild every device from the table; a device that cannot start is
        logged and left out, but stays in the table (Vault does the same)."""
        self._devices = {}
        self._table = unpack_table(await self._storage.get(TABLE_KEY))
        for entry in self._table:
            try:
                self._devices[entry.path] = await self._build(entry)
            except (InvalidRequest, OSError) as exc:
                log.error("audit: device %s could not be started: %s", entry.path, exc)
        raw = await self._storage.get(HEADERS_KEY)
        self._headers = dict(msgpack.unpackb(raw, raw=False)) if raw else {}
        self.active = bool(self._devices)

    async def unload(self) -> None:
        devices, self._devices, self.active = self._devices, {}, False
        self._table = []
        for device in devices.values():
            await device.sink.close()

    async def reopen(self) -> None:
        """SIGHUP: file devices reopen their files (log rotation)."""
        for device in list(self._devices.values()):
            try:
                await device.sink.reopen()
            except OSError as exc:
                log.error("audit: reopening device %s failed: %s", device.entry.path, exc)

    # ---- the table ----------------------------------------------------------------

    def entries(self) -> list[AuditEntry]:
        return list(self._table)

    async def _salt(self, entry: AuditEntry) -> Salt:
        key = f"audit/{entry.uuid}/salt"
        raw = await self._storage.get(key)
        if raw is None:
            raw = self._random.bytes(32)
            await self._storage.put(key, raw)
        return Salt(raw)

    async def _build(self, entry: AuditEntry) -> Device:
        settings = parse_common(entry.options, self.allow_prefixing)
        sink = make_sink(entry)
        salt = await self._salt(entry)
        hasher = identity if settings.log_raw else salt.hmac
        options = FormatOptions(hasher=hasher, hmac_accessor=settings.hmac_accessor,
                                elide_list_responses=settings.elide_list_responses)
        return Device(entry, sink, salt, settings, options)

    async def enable(self, entry: AuditEntry) -> None:
        async with self._lock:
            for existing in (e.path for e in self._table):
                if existing.startswith(entry.path) or entry.path.startswith(existing):
                    raise InvalidRequest("path already in use")
            entry.uuid = new_uuid(self._random)
            device = await self._build(entry)
            try:
                await device.send(make_test_entry(self._clock.now()))
            except AuditSinkError as exc:
                await device.sink.close()
                await self._storage.delete(f"audit/{entry.uuid}/salt")
                raise InvalidRequest(f"audit backend failed test message: {exc}") from None
            table = [*self._table, entry]
            await self._storage.put(TABLE_KEY, pack_table(table))
            self._table = table
            self._devices[entry.path] = device
            self.active = True
            log.info("audit: enabled audit device: path=%s type=%s", entry.path, entry.type)

    async def disable(self, path: str) -> bool:
        async with self._lock:
            entry = next((e for e in self._table if e.path == path), None)
            if entry is None:
                return False
            table = [e for e in self._table if e.path != path]
            await self._storage.put(TABLE_KEY, pack_table(table))
            self._table = table
            device = self._devices.pop(path, None)
            self.active = bool(self._devices)
            if device is not None:
                await device.sink.close()
            await self._storage.delete(f"audit/{entry.uuid}/salt")
            log.info("audit: disabled audit device: path=%s", path)
            return True

    def hash(self, path: str, value: str) -> str:
        device = self._devices.get(path)
        if device is None:
            raise InvalidRequest(f'unknown audit backend "{path}"')
        return device.salt.hmac(value)

    # ---- audited request headers -----------------------------------------------------

    def audited_headers(self) -> dict[str, bool]:
        return dict(self._headers)

    async def set_header(self, name: str, hmac: bool) -> None:
        self._headers[name.lower()] = hmac
        await self._storage.put(HEADERS_KEY, msgpack.packb(self._headers))

    async def delete_header(self, name: str) -> None:
        if self._headers.pop(name.lower(), None) is not None:
            await self._storage.put(HEADERS_KEY, msgpack.packb(self._headers))

    def _collect_headers(self, trail: AuditTrail) -> None:
        if not self._headers:
            return
        lowered = {k.lower(): v for k, v in trail.request.headers.items()}
        trail.headers = {name: ([lowered[name]], hmac) for name, hmac in self._headers.items()
                         if name in lowered}

    # ---- logging -------------------------------------------------------------------

    async def _fan_out(self, build: Any) -> int:
        devices = list(self._devices.values())
        if len(devices) == 1:  # the usual case: no gather, no extra task
            try:
                await devices[0].send(build(devices[0].options))
            except Exception as exc:  # any device error is a refusal
                self.failures += 1
                log.error("audit: device %s refused an entry: %s", devices[0].entry.path, exc)
                return 0
            return 1
        results = await asyncio.gather(
            *(d.send(build(d.options)) for d in devices), return_exceptions=True
        )
        accepted = 0
        for device, result in zip(devices, results, strict=True):
            if isinstance(result, BaseException):
                self.failures += 1
                log.error("audit: device %s refused an entry: %s", device.entry.path, result)
            else:
                accepted += 1
        return accepted

    async def log_request(self, trail: AuditTrail, error: str = "") -> None:
        """Raise (500) unless at least one device took the request entry."""
        self._collect_headers(trail)
        now = self._clock.now()
        trail.request_logged = True
        trail.passed = not error
        if self._devices and not await self._fan_out(
            lambda opts: request_entry(trail, opts, now, error)
        ):
            self.request_failures += 1
            log.error("audit: no audit device accepted the request: request_id=%s",
                      trail.request.request_id)
            raise AuditFailed("internal error")

    async def log_response(
        self, trail: AuditTrail, response: Response | None, error: str = "",
        detail: str | None = None,
    ) -> None:
        now = self._clock.now()
        if self._devices and not await self._fan_out(
            lambda opts: response_entry(trail, response, opts, now, error, detail)
        ):
            self.response_failures += 1
            log.error("audit: no audit device accepted the response: request_id=%s",
                      trail.request.request_id)
            raise AuditFailed("internal error")

    async def log_raw_response(
        self, trail: AuditTrail, body: Any, headers: dict[str, list[str]]
    ) -> None:
        """A raw sys endpoint's HTTP answer (see ``raw_response_entry``)."""
        now = self._clock.now()
        if self._devices and not await self._fan_out(
            lambda opts: raw_response_entry(trail, body, headers, opts, now)
        ):
            self.response_failures += 1
            log.error("audit: no audit device accepted the response: request_id=%s",
                      trail.request.request_id)
            raise AuditFailed("internal error")


async def log_failure(broker: AuditBroker, trail: AuditTrail, error: Exception) -> None:
    """A request the pipeline refused still leaves a request and a response
    entry carrying the error, as Vault's do (403s are the interesting ones).

    As Vault's: a bad request (400) logs only the generic ``invalid request`` in
    clear, its own message — which may echo the caller's input — hashed under
    ``response.data.error``; an unsupported path or operation has no data."""
    if isinstance(error, AuditFailed):
        return
    message = "\n".join(str(m) for m in getattr(error, "messages", [])) or str(error)
    detail: str | None = None
    if isinstance(error, InvalidRequest):
        message, detail = multierror("invalid request"), message
    elif isinstance(error, (UnsupportedPath, UnsupportedOperation)):
        detail = ""
    if not trail.request_logged:
        await broker.log_request(trail, error=message)
    await broker.log_response(trail, None, error=message, detail=detail)
