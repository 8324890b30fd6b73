"""The audit table (which devices exist, with which options) and the options'
validation. Stored behind the barrier at ``core/audit``, as Vault does, with
each device's salt at ``audit/<uuid>/salt``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgpack

from pyvault.audit.devices import SYSLOG_FACILITIES, FileSink, Sink, SocketSink, SyslogSink
from pyvault.audit.formats import FORMATS
from pyvault.logical.errors import InvalidRequest
from pyvault.util.durations import parse_duration

TABLE_KEY = "core/audit"
HEADERS_KEY = "core/audited-headers"
DEVICE_TYPES = ("file", "socket", "syslog")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


@dataclass(slots=True, kw_only=True)
class AuditEntry:
    """One row of the audit table; ``path`` always ends in ``/``."""

    path: str
    type: str
    description: str = ""
    options: dict[str, str] = field(default_factory=dict)
    local: bool = False
    uuid: str = ""

    def view(self) -> dict[str, Any]:
        return {"description": self.description, "local": self.local,
                "options": dict(self.options), "path": self.path, "type": self.type}


def pack_table(entries: list[AuditEntry]) -> bytes:
    packed: bytes = msgpack.packb([asdict(e) for e in entries], use_bin_type=True)
    return packed


def unpack_table(raw: bytes | None) -> list[AuditEntry]:
    if raw is None:
        return []
    return [AuditEntry(**row) for row in msgpack.unpackb(raw, raw=False)]


def parse_bool_option(options: dict[str, str], name: str, default: bool) -> bool:
    """Go's ``strconv.ParseBool`` on an option, with Vault's wording on failure."""
    raw = options.get(name)
    if raw is None or raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InvalidRequest(f'unable to parse \'{name}\': strconv.ParseBool: parsing "{raw}": '
                         "invalid syntax")


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """The options every device type shares, parsed once."""

    fmt: str
    prefix: str
    log_raw: bool
    hmac_accessor: bool
    elide_list_responses: bool


def parse_common(options: dict[str, str], allow_prefix: bool) -> DeviceSettings:
    fmt = options.get("format") or "json"
    if fmt not in FORMATS:
        raise InvalidRequest(f'unknown format type "{fmt}"')
    prefix = options.get("prefix", "")
    if prefix and not allow_prefix:
        raise InvalidRequest("audit log prefixing is not allowed; set "
                             "allow_audit_log_prefixing in the server configuration")
    return DeviceSettings(
        fmt=fmt,
        prefix=prefix,
        log_raw=parse_bool_option(options, "log_raw", False),
        hmac_accessor=parse_bool_option(options, "hmac_accessor", True),
        elide_list_responses=parse_bool_option(options, "elide_list_responses", False),
    )


def make_sink(entry: AuditEntry) -> Sink:
    """Build the device's sink from its options; bad options are a 400."""
    options = entry.options
    if entry.type == "file":
        path = options.get("file_path") or options.get("path") or ""
        if not path:
            raise InvalidRequest("file_path is required")
        mode = 0o600
        if options.get("mode"):
            try:
                mode = int(options["mode"], 8)
            except ValueError:
                raise InvalidRequest(f'unable to parse \'mode\': strconv.ParseUint: parsing '
                                     f'"{options["mode"]}": invalid syntax') from None
        return FileSink(path, mode)
    if entry.type == "socket":
        address = options.get("address", "")
        if not address:
            raise InvalidRequest("address is required")
        socket_type = options.get("socket_type") or "tcp"
        if socket_type not in ("tcp", "udp", "unix"):
            raise InvalidRequest(f'unsupported socket_type "{socket_type}"')
        try:
            timeout = float(parse_duration(options.get("write_timeout") or "2s"))
        except ValueError as exc:
            raise InvalidRequest(f"unable to parse 'write_timeout': {exc}") from None
        return SocketSink(address, socket_type, timeout)
    if entry.type == "syslog":
        facility = (options.get("facility") or "AUTH").upper()
        if facility not in SYSLOG_FACILITIES:
            raise InvalidRequest(f'unknown syslog facility "{facility}"')
        sink = SyslogSink(facility, options.get("tag") or "vault")
        if not sink.reachable():
            raise InvalidRequest("Unix syslog delivery error")
        return sink
    raise InvalidRequest(f'unknown backend type: "{entry.type}"')
