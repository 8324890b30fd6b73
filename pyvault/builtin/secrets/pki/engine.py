"""State shared by every PKI path group: the injected clock, randomness and TTLs,
plus the few helpers (serials, TTL resolution, response formatting) they all need."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import aia
from pyvault.builtin.secrets.pki.keys import PrivateKey, key_type_of, private_der, private_pem
from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore, new_id, serial_colon
from pyvault.framework.field_data import FieldData
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.system_view import BackendConfig

FORMATS = ("pem", "der", "pem_bundle")


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode().rstrip("\n")


def encode_cert(cert: x509.Certificate, fmt: str) -> str:
    if fmt == "der":
        return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return cert_pem(cert)


def parse_rfc3339(text: str) -> int:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": '
                             "cannot parse") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def format_duration(seconds: int) -> str:
    """Go's time.Duration.String for whole seconds ("768h0m0s", "30m0s", "45s")."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def go_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Engine:
    config: BackendConfig
    # The mount's storage view, remembered from the last request: lease revocation
    # (generate_lease) is called by the expiration manager without a request.
    crl_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def now(self) -> int:
        return int(self.config.clock.now())

    def serial(self) -> int:
        """Vault's GenerateSerialNumber: 159 random bits, never 0."""
        value = int.from_bytes(self.config.random.bytes(20), "big") >> 1
        return value or 1

    def new_id(self) -> str:
        return new_id(self.config.random.bytes(16))

    def store(self, request: Request) -> PKIStore:
        return PKIStore(request.require_storage(), self.crl_lock)

    def resolve_ttl(self, data: FieldData, role_ttl: int, role_max: int,
                    warnings: list[str]) -> tuple[int, int]:
        """(not_before, not_after) per Vault: request ttl → role ttl → mount default,
        capped (with a warning) at role max_ttl → mount max; ``not_after`` wins."""
        now = self.now()
        system = self.config.system
        max_ttl = role_max or system.max_lease_ttl()
        if data.given("not_after") and data.get_str("not_after"):
            return now, parse_rfc3339(data.get_str("not_after"))
        ttl = data.get_int("ttl") if data.given("ttl") else 0
        ttl = ttl or role_ttl or system.default_lease_ttl()
        if ttl > max_ttl:
            warnings.append(f'TTL "{format_duration(ttl)}" is longer than permitted maxTTL '
                            f'"{format_duration(max_ttl)}", so maxTTL is being used')
            ttl = max_ttl
        return now, now + ttl

    @staticmethod
    def cap_to_issuer(not_after: int, issuer: IssuerEntry) -> int:
        ca_end = int(issuer.cert().not_valid_after_utc.timestamp())
        if not_after <= ca_end:
            return not_after
        if issuer.leaf_not_after_behavior == "truncate":
            return ca_end
        if issuer.leaf_not_after_behavior == "permit":
            return not_after
        raise InvalidRequest(
            f"cannot satisfy request, as TTL would result in notAfter of {go_time(not_after)} "
            f"that is beyond the expiration of the CA certificate at {go_time(ca_end)}")

    async def urls(self, request: Request, issuer: IssuerEntry | None,
                   issuer_id: str = "") -> dict[str, list[str]]:
        """AIA URLs (pki/aia.py): the issuer's own when it has any, else the mount's
        ``config/urls``; templates filled in."""
        return await aia.resolve(self.store(request), issuer, issuer_id)

    async def has_mount_urls(self, request: Request) -> bool:
        """Whether ``config/urls`` sets any URL (the AIA warnings' test; no templating)."""
        config: dict[str, Any] = await self.store(request).get_json("config/urls") or {}
        return any(config.get(key) for key in aia.URL_KEYS)


def cert_response(cert: x509.Certificate, fmt: str, chain: list[str],
                  key: PrivateKey | None, key_format: str,
                  remove_roots: bool = False) -> dict[str, Any]:
    """The ``issue``/``sign``/``root/generate`` answer fields, in Vault's encodings."""
    if fmt not in FORMATS:
        raise InvalidRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"')
    chain_certs = [x509.load_pem_x509_certificate(c.encode()) for c in chain]
    if remove_roots:
        chain_certs = [c for c in chain_certs if c.issuer != c.subject]
    body: dict[str, Any] = {
        "certificate": encode_cert(cert, fmt),
        "serial_number": serial_colon(cert.serial_number),
        "expiration": int(cert.not_valid_after_utc.timestamp()),
    }
    if chain:
        body["issuing_ca"] = encode_cert(x509.load_pem_x509_certificate(chain[0].encode()), fmt)
        body["ca_chain"] = [encode_cert(c, fmt) for c in chain_certs]
    if key is not None:
        if fmt == "der":
            body["private_key"] = base64.b64encode(private_der(key, key_format)).decode()
        else:
            body["private_key"] = private_pem(key, key_format)
        body["private_key_type"] = key_type_of(key)
    if fmt == "pem_bundle":
        parts = [body.get("private_key", ""), body["certificate"], *body.get("ca_chain", [])]
        body["certificate"] = "\n".join(p for p in parts if p)
    return body

