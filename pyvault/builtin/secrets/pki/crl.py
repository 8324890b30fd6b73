"""Revocation records and per-issuer CRLs (full and delta), rebuilt on each change.

A CRL is stored per issuer as DER at ``crl/<issuer id>`` with its number, so reads
never sign anything. Delta CRLs list revocations newer than the last full CRL.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import aia
from pyvault.builtin.secrets.pki.certbuild import sign_crl
from pyvault.builtin.secrets.pki.keys import load_private_pem
from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore, serial_from_key
from pyvault.logical.errors import InvalidRequest
from pyvault.util.durations import parse_duration

CRL_DEFAULTS: dict[str, Any] = {
    "allow_expired_cert_revocation": False, "auto_rebuild": False,
    "auto_rebuild_grace_period": "12h", "delta_rebuild_interval": "15m", "disable": False,
    "enable_delta": False, "expiry": "72h", "ocsp_disable": False, "ocsp_expiry": "12h",
}


def rfc3339(seconds: float) -> str:
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += ("." + f"{nanos:09d}").rstrip("0")
    return text + "Z"


async def crl_config(store: PKIStore) -> dict[str, Any]:
    config = dict(CRL_DEFAULTS)
    config.update(await store.get_json("config/crl") or {})
    return config


async def revoked_entries(store: PKIStore) -> list[dict[str, Any]]:
    out = []
    for key in await store.children("revoked/"):
        entry = await store.get_json("revoked/" + key)
        if isinstance(entry, dict):
            entry.setdefault("serial_number", serial_from_key(key))
            out.append(entry)
    return out


async def rebuild(store: PKIStore, now: float, *, delta_only: bool = False) -> None:
    """Sign a fresh CRL for every issuer that holds a key and may sign CRLs."""
    async with store.crl_lock:
        await _rebuild(store, now, delta_only)


async def _rebuild(store: PKIStore, now: float, delta_only: bool) -> None:
    config = await crl_config(store)
    expiry = int(parse_duration(config["expiry"]))
    revoked = await revoked_entries(store)
    for issuer in await store.issuers():
        key_entry = await store.key_of(issuer)
        if key_entry is None or not issuer.has_usage("crl-signing"):
            continue
        previous = await store.get_json("crl/" + issuer.id) or {}
        number = int(previous.get("number", 0)) + 1
        mine = [(int(r["serial_number"].replace(":", ""), 16), int(r["revocation_time"]))
                for r in revoked if r.get("issuer_id") == issuer.id]
        if config["disable"]:
            mine = []
        key = load_private_pem(key_entry.private_key)
        record = dict(previous)
        if not delta_only:
            freshest = await _freshest(store, issuer) if config["enable_delta"] else []
            full = await sign_crl(issuer.cert(), key, mine, int(now), int(now) + expiry, number,
                                  freshest=freshest)
            record.update(der=_b64(full), built=now, base_number=number,
                          next_update=int(now) + expiry)
            number += 1
        # Full and delta CRLs share one number sequence; a delta names its base. Vault
        # serves an (empty) delta CRL even when delta CRLs are not enabled.
        since = float(record.get("built", 0))
        newer = [(s, t) for s, t in mine if t >= int(since)] if config["enable_delta"] else []
        delta = await sign_crl(issuer.cert(), key, newer, int(now), int(now) + expiry,
                               number, delta_of=int(record.get("base_number", 1)))
        record["delta_der"] = _b64(delta)
        record["number"] = number
        await store.put_json("crl/" + issuer.id, record)


async def _freshest(store: PKIStore, issuer: IssuerEntry) -> list[str]:
    """Where the delta CRL lives, for the full CRL's Freshest CRL extension; a template
    that cannot be filled leaves the extension out rather than failing the rebuild."""
    try:
        return (await aia.resolve(store, issuer))["delta_crl_distribution_points"]
    except InvalidRequest:
        return []


def _b64(crl: x509.CertificateRevocationList) -> str:
    return base64.b64encode(crl.public_bytes(serialization.Encoding.DER)).decode()


DIRTY = "crl-state/dirty"


async def after_revocation(store: PKIStore, now: float) -> None:
    """Without ``auto_rebuild`` every revocation re-signs the CRLs (Vault's default).
    With it, revoking only marks them stale and the next CRL read rebuilds them: a
    revocation costs O(1) instead of a walk over every revoked serial (the CRL rebuild
    cost users report in hashicorp/vault#9176), yet a CRL is never served stale."""
    if (await crl_config(store))["auto_rebuild"]:
        await store.put_json(DIRTY, True)
    else:
        await rebuild(store, now)


async def crl_der(store: PKIStore, issuer_id: str, now: float, delta: bool = False) -> bytes:
    record = await store.get_json("crl/" + issuer_id)
    if record is None:
        await rebuild(store, now)
    elif await store.get_json(DIRTY):
        # A delta read refreshes only the delta (its base stays valid); a full read
        # re-signs everything and clears the mark.
        await rebuild(store, now, delta_only=delta)
        if not delta:
            await store.storage.delete(DIRTY)
    record = await store.get_json("crl/" + issuer_id) or {}
    text = record.get("delta_der" if delta else "der", "")
    return base64.b64decode(text) if text else b""


def der_to_pem(der: bytes) -> str:
    if not der:
        return ""
    crl = x509.load_der_x509_crl(der)
    return crl.public_bytes(serialization.Encoding.PEM).decode()


async def periodic_rebuild(store: PKIStore, now: float) -> bool:
    """The periodic half of ``auto_rebuild`` (Vault rebuilds from its periodic func): a
    CRL inside ``auto_rebuild_grace_period`` of its nextUpdate, or one a revocation has
    marked stale, is re-signed now, so it never lapses and readers rarely sign. True
    when it rebuilt."""
    config = await crl_config(store)
    if not config["auto_rebuild"]:
        return False
    due = bool(await store.get_json(DIRTY))
    grace = parse_duration(config["auto_rebuild_grace_period"])
    for issuer in await store.issuers():
        if due:
            break
        if not issuer.key_id or not issuer.has_usage("crl-signing"):
            continue
        record = await store.get_json("crl/" + issuer.id)
        due = record is None or _next_update(record) - grace <= now
    if due:
        await rebuild(store, now)
        await store.storage.delete(DIRTY)
    return due


def _next_update(record: dict[str, Any]) -> float:
    if "next_update" in record:
        return float(record["next_update"])
    if not record.get("der"):
        return 0.0
    crl = x509.load_der_x509_crl(base64.b64decode(record["der"]))
    return crl.next_update_utc.timestamp() if crl.next_update_utc else 0.0
