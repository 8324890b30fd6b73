"""The PKI mount's storage: keys, issuers, issued certificates, revocations, configs.

Layout (all JSON, all below the mount's barrier-encrypted view):
``key/<id>``, ``issuer/<id>``, ``config/keys``, ``config/issuers``, ``certs/<serial>``,
``revoked/<serial>``, ``crl/<issuer id>``, ``config/<name>``, ``role/<name>``.
Serials are stored with ``-`` separators (Vault's layout) and shown with ``:``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.storage import Storage

ISSUER_USAGES = ("read-only", "issuing-certificates", "crl-signing", "ocsp-signing")
DEFAULT_USAGE = "crl-signing,issuing-certificates,ocsp-signing,read-only"


@dataclass(slots=True, kw_only=True)
class KeyEntry:
    id: str
    name: str = ""
    type: str = ""
    bits: int = 0
    private_key: str = field(default="", repr=False)


@dataclass(slots=True, kw_only=True)
class IssuerEntry:
    id: str
    name: str = ""
    key_id: str = ""
    certificate: str = ""
    ca_chain: list[str] = field(default_factory=list)
    manual_chain: list[str] | None = None
    leaf_not_after_behavior: str = "err"
    usage: str = DEFAULT_USAGE
    revoked: bool = False
    revocation_time: int = 0
    revocation_signature_algorithm: str = ""
    issuing_certificates: list[str] = field(default_factory=list)
    crl_distribution_points: list[str] = field(default_factory=list)
    ocsp_servers: list[str] = field(default_factory=list)
    enable_aia_url_templating: bool = False

    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate.encode())

    def has_usage(self, usage: str) -> bool:
        return usage in self.usage.split(",")


def serial_colon(serial: int) -> str:
    """Vault's serial text: lower-case hex byte pairs joined by ':'."""
    raw = format(serial, "x")
    if len(raw) % 2:
        raw = "0" + raw
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))


def serial_key(serial: str) -> str:
    return serial.strip().lower().replace(":", "-")


def serial_from_key(key: str) -> str:
    return key.replace("-", ":")


def new_id(random_bytes: bytes) -> str:
    return str(uuid.UUID(bytes=random_bytes[:16]))


class PKIStore:
    """Typed JSON records over the mount's storage view. ``crl_lock`` (one per mount)
    serialises CRL rebuilds, so a rebuild that started before a concurrent revocation
    can never overwrite the CRL that includes it."""

    def __init__(self, storage: Storage, crl_lock: asyncio.Lock | None = None) -> None:
        self.storage = storage
        self.crl_lock = crl_lock or asyncio.Lock()

    async def get_json(self, key: str) -> Any:
        raw = await self.storage.get(key)
        return None if raw is None else json.loads(raw)

    async def put_json(self, key: str, value: Any) -> None:
        await self.storage.put(key, json.dumps(value, sort_keys=True).encode())

    async def children(self, prefix: str) -> list[str]:
        return sorted(await self.storage.list(prefix))

    # keys
    async def keys(self) -> list[KeyEntry]:
        out = []
        for kid in await self.children("key/"):
            entry = await self.get_json("key/" + kid)
            if entry is not None:
                out.append(KeyEntry(**entry))
        return out

    async def put_key(self, entry: KeyEntry) -> None:
        await self.put_json("key/" + entry.id, asdict(entry))

    async def resolve_key(self, ref: str) -> KeyEntry:
        if ref in ("", "default"):
            ref = (await self.get_json("config/keys") or {}).get("default", "")
            if not ref:
                raise InvalidRequest("no default key currently configured")
        for entry in await self.keys():
            if ref in (entry.id, entry.name):
                return entry
        raise InvalidRequest(f"unable to find PKI key for reference: {ref}")

    # issuers
    async def issuers(self) -> list[IssuerEntry]:
        out = []
        for iid in await self.children("issuer/"):
            entry = await self.get_json("issuer/" + iid)
            if entry is not None:
                out.append(IssuerEntry(**entry))
        return out

    async def put_issuer(self, entry: IssuerEntry) -> None:
        await self.put_json("issuer/" + entry.id, asdict(entry))

    async def default_issuer_id(self) -> str:
        return str((await self.get_json("config/issuers") or {}).get("default", ""))

    async def set_default_issuer(self, issuer_id: str) -> None:
        config = await self.get_json("config/issuers") or {}
        config["default"] = issuer_id
        config.setdefault("default_follows_latest_issuer", False)
        await self.put_json("config/issuers", config)

    async def adopt_new_issuer(self, issuer_id: str) -> None:
        """A new issuer becomes the default when there is none, or when
        ``default_follows_latest_issuer`` is set (Vault's config/issuers)."""
        config = await self.get_json("config/issuers") or {}
        if not config.get("default") or config.get("default_follows_latest_issuer"):
            await self.set_default_issuer(issuer_id)

    async def find_issuer(self, ref: str) -> IssuerEntry | None:
        if ref in ("", "default"):
            ref = await self.default_issuer_id()
            if not ref:
                return None
        for entry in await self.issuers():
            if ref in (entry.id, entry.name):
                return entry
        return None

    async def resolve_issuer(self, ref: str) -> IssuerEntry:
        entry = await self.find_issuer(ref)
        if entry is not None:
            return entry
        if ref in ("", "default"):
            raise InvalidRequest("no default issuer currently configured")
        raise InvalidRequest(f"unable to find PKI issuer for reference: {ref}")

    async def key_of(self, issuer: IssuerEntry) -> KeyEntry | None:
        if not issuer.key_id:
            return None
        entry = await self.get_json("key/" + issuer.key_id)
        return None if entry is None else KeyEntry(**entry)

    # issued certificates and revocations
    async def put_cert(self, serial: str, pem: str, issuer_id: str) -> None:
        await self.put_json("certs/" + serial_key(serial),
                            {"certificate": pem, "issuer_id": issuer_id})

    async def get_cert(self, serial: str) -> dict[str, Any] | None:
        value = await self.get_json("certs/" + serial_key(serial))
        return value if isinstance(value, dict) else None

    async def get_revoked(self, serial: str) -> dict[str, Any] | None:
        value = await self.get_json("revoked/" + serial_key(serial))
        return value if isinstance(value, dict) else None
