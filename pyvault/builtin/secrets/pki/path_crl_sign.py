"""issuer/<ref>/resign-crls and issuer/<ref>/sign-revocation-list: CRLs signed on
request with an issuer's key, for CRLs kept outside this mount (Vault 1.13+).

``resign-crls`` merges CRLs the issuer signed (a serial in several keeps its earliest
revocation time, first-seen order); ``sign-revocation-list`` signs a list given as data.
Both take ``crl_number``, ``delta_crl_base_number`` (-1: a full CRL), ``next_update``
and ``format``; error texts are Vault's.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier

from pyvault.builtin.secrets.pki.certbuild import when
from pyvault.builtin.secrets.pki.engine import Engine, parse_rfc3339
from pyvault.builtin.secrets.pki.fields import I, S, f
from pyvault.builtin.secrets.pki.keys import PrivateKey, hash_for, load_private_pem, off_loop
from pyvault.builtin.secrets.pki.store import IssuerEntry
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

RESERVED = {"2.5.29.20": "crl number", "2.5.29.35": "authority key",
            "2.5.29.27": "delta crl"}
COMMON = {
    "issuer_ref": f(S, "Reference to the signing issuer."),
    "crl_number": f(I, "The CRL number of the new CRL.", 0),
    "delta_crl_base_number": f(I, "With a value of 0 or more, a delta CRL against this base "
                                  "CRL number.", -1),
    "next_update": f(S, "How long until the CRL's nextUpdate.", "72h"),
    "format": f(S, 'Encoding of the answer: "pem" or "der".', "pem"),
}
Revoked = tuple[int, datetime, list[x509.Extension[x509.ExtensionType]]]


class CRLSignPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("issuer/{issuer_ref}/resign-crls",),
                 fields={**COMMON, "crls": f(FieldType.STRING_SLICE,
                                             "PEM CRLs signed by this issuer to combine.")},
                 operations=ops(update=self.resign),
                 synopsis="Combine and sign with the provided issuer different CRLs"),
            Path(patterns=("issuer/{issuer_ref}/sign-revocation-list",),
                 fields={**COMMON,
                         "revoked_certs": Field(type=FieldType.ANY, description=(
                             "Entries of serial_number, revocation_time and extensions.")),
                         "extensions": Field(type=FieldType.ANY, description=(
                             "CRL extensions: entries of id, critical and value (base64)."))},
                 operations=ops(update=self.sign_list),
                 synopsis="Generate and sign a CRL based on the provided parameters."),
        ]

    async def _signer(self, request: Request, data: FieldData) -> tuple[IssuerEntry, PrivateKey]:
        store = self.engine.store(request)
        issuer = await store.resolve_issuer(data.get_str("issuer_ref"))
        key_entry = await store.key_of(issuer)
        if key_entry is None:
            raise InvalidRequest("unable to fetch corresponding key for issuer "
                                 f"{issuer.id}; unable to use this issuer for signing")
        if not issuer.has_usage("crl-signing"):
            raise InvalidRequest(f"requested usage crl-signing for issuer [id:{issuer.id}] "
                                 f"but only had usage {issuer.usage}")
        return issuer, load_private_pem(key_entry.private_key)

    async def resign(self, request: Request, data: FieldData) -> Response:
        settings = _settings(data)
        issuer, key = await self._signer(request, data)
        merged: dict[int, Revoked] = {}
        for index, text in enumerate(data.get_list("crls")):
            crl = _load_crl(index, str(text))
            if crl.issuer != issuer.cert().subject or not crl.is_signature_valid(
                    issuer.cert().public_key()):  # type: ignore[arg-type]  # CA keys are rsa/ec/ed25519
                raise InvalidRequest(f"CRL index: {index} was not signed by requested issuer")
            for entry in crl:
                seen = merged.get(entry.serial_number)
                when_revoked = entry.revocation_date_utc
                if seen is None or when_revoked < seen[1]:
                    extensions = list(entry.extensions) if seen is None else seen[2]
                    merged[entry.serial_number] = (entry.serial_number, when_revoked,
                                                   extensions)
        return await self._sign(issuer, key, list(merged.values()), [], settings)

    async def sign_list(self, request: Request, data: FieldData) -> Response:
        settings = _settings(data)
        entries = _entries(data.get("revoked_certs"))
        extensions = _extensions(data.get("extensions"))
        issuer, key = await self._signer(request, data)
        return await self._sign(issuer, key, entries, extensions, settings)

    async def _sign(self, issuer: IssuerEntry, key: PrivateKey, entries: list[Revoked],
                    extensions: list[x509.Extension[x509.ExtensionType]],
                    settings: dict[str, Any]) -> Response:
        now = self.engine.now()
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(issuer.cert().subject)
                   .last_update(when(now))
                   .next_update(when(now + settings["next_update"]))
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       key.public_key()), critical=False)
                   .add_extension(x509.CRLNumber(settings["crl_number"]), critical=False))
        if settings["delta_base"] >= 0:
            builder = builder.add_extension(x509.DeltaCRLIndicator(settings["delta_base"]),
                                            critical=True)
        for extension in extensions:
            builder = builder.add_extension(extension.value, extension.critical)
        for serial, revoked_at, entry_extensions in entries:
            entry = (x509.RevokedCertificateBuilder().serial_number(serial)
                     .revocation_date(revoked_at))
            for extension in entry_extensions:
                entry = entry.add_extension(extension.value, extension.critical)
            builder = builder.add_revoked_certificate(entry.build())
        crl = await off_loop(key, lambda: builder.sign(key, hash_for(key, 0)))  # type: ignore[arg-type]  # ed25519 takes None
        if settings["format"] == "der":
            text = base64.b64encode(crl.public_bytes(serialization.Encoding.DER)).decode()
        else:
            text = crl.public_bytes(serialization.Encoding.PEM).decode()
        return Response(data={"crl": text})


def _settings(data: FieldData) -> dict[str, Any]:
    fmt = data.get_str("format")
    if fmt not in ("pem", "der"):
        raise InvalidRequest(f"unknown format value of {fmt}")
    if data.get_int("crl_number") < 0:
        raise InvalidRequest("crl_number parameter must be 0 or greater")
    text = data.get_str("next_update")
    try:
        next_update = int(parse_duration(text))
    except ValueError:
        raise InvalidRequest(f'invalid value for next_update: time: invalid duration "{text}"'
                             ) from None
    return {"format": fmt, "crl_number": data.get_int("crl_number"),
            "delta_base": data.get_int("delta_crl_base_number"), "next_update": next_update}


def _load_crl(index: int, text: str) -> x509.CertificateRevocationList:
    if text.count("-----BEGIN") != 1:
        raise InvalidRequest(f"failed decoding crl {index}: invalid crl; should be one PEM "
                             "block only")
    try:
        return x509.load_pem_x509_crl(text.strip().encode())
    except ValueError:
        raise InvalidRequest(f"failed decoding crl {index}: x509: malformed crl") from None


def _entries(raw: Any) -> list[Revoked]:
    out: list[Revoked] = []
    for index, entry in enumerate(_as_list(raw, "revoked_certs")):
        if not isinstance(entry, dict):
            raise InvalidRequest(f"failed parsing revoked certificate entry {index}: "
                                 "expected an object")
        serial = _serial(index, entry.get("serial_number"))
        revoked_at = _revocation_time(index, entry.get("revocation_time"))
        try:
            extensions = _extensions(entry.get("extensions"))
        except InvalidRequest as exc:
            raise InvalidRequest(f"failed parsing extensions from entry {index}: {exc}"
                                 ) from None
        out.append((serial, revoked_at, extensions))
    return out


def _serial(index: int, value: Any) -> int:
    prefix = f"failed parsing serial_number from entry {index}"
    if value is None or value == "":
        raise InvalidRequest(f"{prefix}: missing 'serial_number' field")
    text = str(value).replace(":", "").replace("-", "")
    for char in text:
        if char not in "0123456789abcdefABCDEF":
            raise InvalidRequest(f"{prefix}: 'serial_number' failed converting to bytes: "
                                 f"encoding/hex: invalid byte: U+{ord(char):04X} {char!r}")
    if len(text) % 2:
        raise InvalidRequest(f"{prefix}: 'serial_number' failed converting to bytes: "
                             "encoding/hex: odd length hex string")
    return int(text, 16)


def _revocation_time(index: int, value: Any) -> datetime:
    prefix = f"failed parsing revocation_time from entry {index}"
    if value is None or value == "":
        raise InvalidRequest(f"{prefix}: missing 'revocation_time' field")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return when(int(value))
    text = str(value)
    if text.lstrip("-").isdigit():
        return when(int(text))
    try:
        return when(parse_rfc3339(text))
    except InvalidRequest:
        raise InvalidRequest(f"{prefix}: failed parsing time {text}: could not parse string "
                             "as date and time") from None


def _extensions(raw: Any) -> list[x509.Extension[x509.ExtensionType]]:
    out: list[x509.Extension[x509.ExtensionType]] = []
    for index, entry in enumerate(_as_list(raw, "extensions")):
        prefix = f"failed parsing extension entry {index}"
        if not isinstance(entry, dict):
            raise InvalidRequest(f"{prefix}: expected an object")
        oid_text = str(entry.get("id", ""))
        for position, part in enumerate(oid_text.split(".")):
            if not part.isdigit():
                raise InvalidRequest(f"{prefix}: failed parsing asn1 index element {position} "
                                     f'value {part}: strconv.Atoi: parsing "{part}": invalid '
                                     "syntax")
        if oid_text in RESERVED:
            raise InvalidRequest(f"{prefix}: {RESERVED[oid_text]} object identifier "
                                 f"({oid_text}) is reserved")
        try:
            value = base64.b64decode(str(entry.get("value", "")), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest(f"{prefix}: failed base64 decoding 'value' field: illegal "
                                 "base64 data at input byte 0") from None
        try:
            oid = ObjectIdentifier(oid_text)
        except ValueError:
            raise InvalidRequest(f"{prefix}: invalid object identifier {oid_text}") from None
        out.append(x509.Extension(oid, bool(entry.get("critical", False)),
                                  x509.UnrecognizedExtension(oid, value)))
    return out


def _as_list(raw: Any, name: str) -> list[Any]:
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise InvalidRequest(f"{name} must be a list of objects")
    return raw
