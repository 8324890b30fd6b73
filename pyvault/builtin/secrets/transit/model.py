"""A named key (Vault's keysutil.Policy) and its versions, in Vault's JSON shape.

Storage and backups use the same JSON, so a backup from Vault/OpenBao restores
here and ours restores there.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyvault.builtin.secrets.transit.keytypes import KeyType, from_code

KDF_HMAC_SHA256_COUNTER = 0
KDF_HKDF_SHA256 = 1
KDF_NAMES = {KDF_HMAC_SHA256_COUNTER: "hmac-sha256-counter", KDF_HKDF_SHA256: "hkdf_sha256"}
ZERO_TIME = "0001-01-01T00:00:00Z"


def rfc3339_nano(seconds: float) -> str:
    """Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped."""
    nanos = round(seconds * 1_000_000_000)
    whole, frac = divmod(nanos, 1_000_000_000)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def _unb64(value: Any) -> bytes | None:
    return None if not value else base64.b64decode(value)


@dataclass(slots=True, kw_only=True)
class KeyEntry:
    """One version of a key (Vault's KeyEntry)."""

    key: bytes | None = None
    hmac_key: bytes | None = None
    time: str = ZERO_TIME
    ec_x: int | None = None
    ec_y: int | None = None
    ec_d: int | None = None
    rsa_key: dict[str, Any] | None = None
    rsa_public_key: dict[str, Any] | None = None
    public_key: str = ""
    convergent_version: int = 0
    creation_time: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # The loaded private key object, cached so hot paths skip re-parsing numbers.
    handle: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": _b64(self.key), "hmac_key": _b64(self.hmac_key), "time": self.time,
            "ec_x": self.ec_x, "ec_y": self.ec_y, "ec_d": self.ec_d,
            "rsa_key": self.rsa_key, "rsa_public_key": self.rsa_public_key,
            "public_key": self.public_key, "convergent_version": self.convergent_version,
            "creation_time": self.creation_time, "certificate_chain": None,
            "external_key_ref": "",
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> KeyEntry:
        known = {"key", "hmac_key", "time", "ec_x", "ec_y", "ec_d", "rsa_key",
                 "rsa_public_key", "public_key", "convergent_version", "creation_time",
                 "certificate_chain", "external_key_ref"}
        return cls(
            key=_unb64(raw.get("key")), hmac_key=_unb64(raw.get("hmac_key")),
            time=str(raw.get("time") or ZERO_TIME),
            ec_x=raw.get("ec_x"), ec_y=raw.get("ec_y"), ec_d=raw.get("ec_d"),
            rsa_key=raw.get("rsa_key"), rsa_public_key=raw.get("rsa_public_key"),
            public_key=str(raw.get("public_key") or ""),
            convergent_version=int(raw.get("convergent_version") or 0),
            creation_time=int(raw.get("creation_time") or 0),
            extra={k: v for k, v in raw.items() if k not in known},
        )


@dataclass(slots=True, kw_only=True)
class Policy:
    """A named key with its versions and settings (Vault's keysutil.Policy)."""

    name: str
    type: KeyType
    keys: dict[int, KeyEntry] = field(default_factory=dict)
    derived: bool = False
    kdf: int = KDF_HMAC_SHA256_COUNTER
    convergent_encryption: bool = False
    convergent_version: int = 0
    exportable: bool = False
    min_decryption_version: int = 1
    min_encryption_version: int = 0
    latest_version: int = 0
    archive_version: int = 0
    archive_min_version: int = 0
    min_available_version: int = 0
    deletion_allowed: bool = False
    backup_info: dict[str, Any] | None = None
    restore_info: dict[str, Any] | None = None
    allow_plaintext_backup: bool = False
    auto_rotate_period_ns: int = 0
    key_size: int = 0
    imported: bool = False
    allow_imported_key_rotation: bool = False

    def entry(self, version: int) -> KeyEntry:
        return self.keys[version]

    def policy_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.key_size:
            out["key_size"] = self.key_size
        out.update({
            "keys": {str(v): e.to_json() for v, e in sorted(self.keys.items())},
            "derived": self.derived, "kdf": self.kdf,
            "convergent_encryption": self.convergent_encryption,
            "exportable": self.exportable,
            "min_decryption_version": self.min_decryption_version,
            "min_encryption_version": self.min_encryption_version,
            "latest_version": self.latest_version, "archive_version": self.archive_version,
            "archive_min_version": self.archive_min_version,
            "min_available_version": self.min_available_version,
            "deletion_allowed": self.deletion_allowed,
            "convergent_version": self.convergent_version, "type": self.type.code,
            "backup_info": self.backup_info, "restore_info": self.restore_info,
            "allow_plaintext_backup": self.allow_plaintext_backup,
            "version_template": "", "storage_prefix": "",
            "auto_rotate_period": self.auto_rotate_period_ns,
            "Imported": self.imported,
            "AllowImportedKeyRotation": self.allow_imported_key_rotation,
        })
        return out

    def archived_json(self) -> dict[str, Any]:
        """Vault's archive: index i holds version i (index 0 is an empty entry)."""
        entries = [KeyEntry().to_json()]
        for version in range(1, self.latest_version + 1):
            entry = self.keys.get(version)
            entries.append((entry or KeyEntry()).to_json())
        return {"keys": entries}

    @classmethod
    def from_json(cls, raw: dict[str, Any],
                  archived: list[dict[str, Any]] | None = None) -> Policy:
        keys = {int(v): KeyEntry.from_json(e) for v, e in (raw.get("keys") or {}).items()}
        if archived:
            # Versions below min_decryption_version live only in the archive.
            for version, entry in enumerate(archived):
                if version and version not in keys and (entry.get("key") or entry.get(
                        "ec_d") is not None or entry.get("rsa_key") or entry.get("rsa_public_key")
                        or entry.get("public_key")):
                    keys[version] = KeyEntry.from_json(entry)
        return cls(
            name=str(raw["name"]), type=from_code(int(raw.get("type") or 0)), keys=keys,
            derived=bool(raw.get("derived")), kdf=int(raw.get("kdf") or 0),
            convergent_encryption=bool(raw.get("convergent_encryption")),
            convergent_version=int(raw.get("convergent_version") or 0),
            exportable=bool(raw.get("exportable")),
            min_decryption_version=int(raw.get("min_decryption_version") or 0),
            min_encryption_version=int(raw.get("min_encryption_version") or 0),
            latest_version=int(raw.get("latest_version") or 0),
            archive_version=int(raw.get("archive_version") or 0),
            archive_min_version=int(raw.get("archive_min_version") or 0),
            min_available_version=int(raw.get("min_available_version") or 0),
            deletion_allowed=bool(raw.get("deletion_allowed")),
            backup_info=raw.get("backup_info"), restore_info=raw.get("restore_info"),
            allow_plaintext_backup=bool(raw.get("allow_plaintext_backup")),
            auto_rotate_period_ns=int(raw.get("auto_rotate_period") or 0),
            key_size=int(raw.get("key_size") or 0),
            imported=bool(raw.get("Imported")),
            allow_imported_key_rotation=bool(raw.get("AllowImportedKeyRotation")),
        )

    def convergent_version_of(self, version: int) -> int:
        """Vault's convergentVersion: the key entry's, else the policy's (0 → 1)."""
        if not self.convergent_encryption:
            return 0
        result = self.convergent_version or 1
        entry = self.keys.get(version)
        if entry is not None and entry.convergent_version:
            result = entry.convergent_version
        return result
