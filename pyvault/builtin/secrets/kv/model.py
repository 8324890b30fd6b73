"""KV v2's records: the mount config and each secret's metadata.

Plain dataclasses with explicit JSON records (not pickled objects), so storage
stays readable and versionable. Times are integer nanoseconds since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyvault.builtin.secrets.kv.goparse import format_go_duration
from pyvault.builtin.secrets.kv.timefmt import NS, rfc3339_nano

DEFAULT_MAX_VERSIONS = 10
UINT32 = 1 << 32
DISABLED = -1  # config delete_version_after < 0: the feature is off for every key


@dataclass(slots=True, kw_only=True)
class Config:
    """The mount-wide settings at ``config``; ``delete_version_after`` None = unset."""

    max_versions: int = 0
    cas_required: bool = False
    metadata_cas_required: bool = False
    delete_version_after: int | None = None

    @property
    def delete_version_after_disabled(self) -> bool:
        return self.delete_version_after == DISABLED

    def view(self) -> dict[str, Any]:
        return {
            "cas_required": self.cas_required,
            "delete_version_after": format_go_duration(self.delete_version_after or 0),
            "max_versions": self.max_versions,
            "metadata_cas_required": self.metadata_cas_required,
        }

    def to_record(self) -> dict[str, Any]:
        return {"max_versions": self.max_versions, "cas_required": self.cas_required,
                "metadata_cas_required": self.metadata_cas_required,
                "delete_version_after": self.delete_version_after}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Config:
        return cls(max_versions=int(record.get("max_versions", 0)),
                   cas_required=bool(record.get("cas_required", False)),
                   metadata_cas_required=bool(record.get("metadata_cas_required", False)),
                   delete_version_after=record.get("delete_version_after"))


@dataclass(slots=True, kw_only=True)
class VersionMeta:
    created: int
    deletion: int | None = None
    destroyed: bool = False

    def deleted_at(self, now: int) -> bool:
        """Soft-deleted once its deletion time has come (Vault: deletion_time before now)."""
        return self.deletion is not None and self.deletion <= now

    def view(self) -> dict[str, Any]:
        return {"created_time": rfc3339_nano(self.created),
                "deletion_time": rfc3339_nano(self.deletion),
                "destroyed": self.destroyed}


@dataclass(slots=True, kw_only=True)
class KeyMetadata:
    """Everything about one secret except its data (Vault's ``KeyMetadata``)."""

    key: str
    versions: dict[int, VersionMeta] = field(default_factory=dict)
    current_version: int = 0
    oldest_version: int = 0
    created_time: int | None = None
    updated_time: int | None = None
    max_versions: int = 0
    cas_required: bool = False
    delete_version_after: int | None = None
    custom_metadata: dict[str, str] = field(default_factory=dict)
    metadata_cas_required: bool = False
    current_metadata_version: int = 0

    def copy(self) -> KeyMetadata:
        """A copy handlers may change; the cached original stays as stored."""
        return replace(self, versions={n: replace(v) for n, v in self.versions.items()},
                       custom_metadata=dict(self.custom_metadata))

    def add_version(self, created: int, deletion: int | None,
                    config_max_versions: int) -> tuple[VersionMeta, int]:
        """Append a version; returns it and the newest version number to prune (0: none).

        The window is the larger of the key's and the mount's max_versions (both
        Vault and OpenBao take the maximum), else 10.
        """
        version = VersionMeta(created=created, deletion=deletion)
        self.current_version += 1
        self.versions[self.current_version] = version
        self.updated_time = created
        if self.created_time is None:
            self.created_time = created
        limit = max(self.max_versions, config_max_versions) or DEFAULT_MAX_VERSIONS
        if self.current_version - self.oldest_version >= limit:
            prune_to = self.current_version - limit
            for number in range(self.oldest_version, prune_to + 1):
                self.versions.pop(number, None)
            self.oldest_version = prune_to + 1
            return version, prune_to
        return version, 0

    def custom_metadata_view(self) -> dict[str, str] | None:
        """Go marshals an empty map field of a proto message as ``null``."""
        return dict(sorted(self.custom_metadata.items())) or None

    def version_view(self, number: int, version: VersionMeta) -> dict[str, Any]:
        """The ``metadata`` block of data reads, writes and subkeys."""
        view = version.view()
        return {"created_time": view["created_time"],
                "custom_metadata": self.custom_metadata_view(),
                "deletion_time": view["deletion_time"],
                "destroyed": version.destroyed,
                "version": number}

    def view(self) -> dict[str, Any]:
        """The answer of ``metadata/<path>`` reads."""
        return {
            "cas_required": self.cas_required,
            "created_time": rfc3339_nano(self.created_time),
            "current_metadata_version": self.current_metadata_version,
            "current_version": self.current_version,
            "custom_metadata": self.custom_metadata_view(),
            "delete_version_after": format_go_duration(self.delete_version_after or 0),
            "max_versions": self.max_versions,
            "metadata_cas_required": self.metadata_cas_required,
            "oldest_version": self.oldest_version,
            "updated_time": rfc3339_nano(self.updated_time),
            # Go orders map keys as strings: "1", "10", "2".
            "versions": {str(n): self.versions[n].view()
                         for n in sorted(self.versions, key=str)},
        }

    def to_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "versions": {str(n): [v.created, v.deletion, v.destroyed]
                         for n, v in sorted(self.versions.items())},
            "current_version": self.current_version,
            "oldest_version": self.oldest_version,
            "created_time": self.created_time,
            "updated_time": self.updated_time,
            "max_versions": self.max_versions,
            "cas_required": self.cas_required,
            "delete_version_after": self.delete_version_after,
            "custom_metadata": self.custom_metadata,
            "metadata_cas_required": self.metadata_cas_required,
            "current_metadata_version": self.current_metadata_version,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> KeyMetadata:
        versions = {int(n): VersionMeta(created=v[0], deletion=v[1], destroyed=v[2])
                    for n, v in record.get("versions", {}).items()}
        return cls(
            key=record["key"], versions=versions,
            current_version=record.get("current_version", 0),
            oldest_version=record.get("oldest_version", 0),
            created_time=record.get("created_time"),
            updated_time=record.get("updated_time"),
            max_versions=record.get("max_versions", 0),
            cas_required=record.get("cas_required", False),
            delete_version_after=record.get("delete_version_after"),
            custom_metadata=dict(record.get("custom_metadata") or {}),
            metadata_cas_required=record.get("metadata_cas_required", False),
            current_metadata_version=record.get("current_metadata_version", 0),
        )


def deletion_time(created: int, config: Config, meta: KeyMetadata) -> int | None:
    """When a new (or undeleted) version expires: the smaller non-zero of the mount's
    and the key's ``delete_version_after``; None when neither is set or the mount
    disabled the feature."""
    if config.delete_version_after_disabled:
        return None
    mount = config.delete_version_after or 0
    key = meta.delete_version_after or 0
    if mount == 0 and key == 0:
        return None
    chosen = key
    if mount != 0 and (mount < chosen or chosen == 0):
        chosen = mount
    return created + chosen * NS
