"""sys/mounts, sys/auth, sys/remount: the mount tables over HTTP."""

from __future__ import annotations

import json
from typing import Any

from pyvault.builtin.system.mount_input import (
    PROTECTED,
    apply_config,
    apply_extra,
    normalize,
    string_map,
    ttl,
)
from pyvault.builtin.system.ops import MountOps
from pyvault.crypto.random import RandomSource
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType, conversion_error, unconvertible
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, NotFound
from pyvault.logical.mount_entry import LIST_CONFIG_KEYS, STRING_CONFIG_KEYS, MountEntry
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.ids import new_uuid

_PATH = {"path": Field(type=FieldType.STRING, description="The mount path.")}
_ENABLE_FIELDS: dict[str, Field] = {
    **_PATH,
    "type": Field(type=FieldType.ANY, description="The type of the backend, e.g. kv."),
    "description": Field(description="Human-friendly description of the mount."),
    "config": Field(type=FieldType.ANY, description="Configuration: TTLs and tunables."),
    "options": Field(type=FieldType.ANY, description="Backend options, e.g. version."),
    "local": Field(type=FieldType.BOOL, description="Mark the mount local-only."),
    "seal_wrap": Field(type=FieldType.BOOL, description="Seal-wrap the mount's data."),
    "external_entropy_access": Field(type=FieldType.BOOL, description="Entropy access."),
    "plugin_name": Field(description="Legacy name of the type."),
    "plugin_version": Field(description="Plugin version (builtin only)."),
}
_TUNE_FIELDS: dict[str, Field] = {
    **_PATH,
    "default_lease_ttl": Field(type=FieldType.ANY, description="Default lease TTL."),
    "max_lease_ttl": Field(type=FieldType.ANY, description="Maximum lease TTL."),
    "description": Field(type=FieldType.ANY, description="Human-friendly description."),
    "options": Field(type=FieldType.ANY, description="Backend options."),
    **{key: Field(type=FieldType.ANY, description=key.replace("_", " "))
       for key in (*LIST_CONFIG_KEYS, *STRING_CONFIG_KEYS, "force_no_cache")},
}
_UPGRADE_WARNING = (
    "Upgrading mount from version {old} to version {new}. This mount will be unavailable "
    "for a brief period and will resume service shortly."
)


def _core_owned(path: str) -> bool:
    """Mounts the core owns: nothing may move from or onto them."""
    if path.startswith("auth/"):
        return path in ("auth/", "auth/token/")
    return path.startswith(PROTECTED)


def check_kv_version(version: str) -> None:
    """KV accepts version 1 or 2, given as a number string (Vault's texts)."""
    try:
        number = int(version) if version != "" else 0
    except ValueError:
        raise InvalidRequest(
            f'unable to parse options: strconv.ParseInt: parsing "{version}": invalid syntax'
        ) from None
    if number not in (1, 2):
        raise InvalidRequest(f"invalid version provided: {number}")


class MountPaths:
    def __init__(self, mounts: MountOps, random: RandomSource) -> None:
        self._mounts = mounts
        self._random = random
        self._migrations: dict[str, dict[str, str]] = {}

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("mounts",), operations=ops(read=self._list_secrets),
                 synopsis="List the mounted secrets engines."),
            Path(patterns=("mounts/{path:path}/tune",), fields=_TUNE_FIELDS,
                 operations=ops(read=self._read_tune_secret, update=self._tune_secret),
                 synopsis="Tune a secrets engine's configuration."),
            Path(patterns=("mounts/{path:path}",), fields=_ENABLE_FIELDS,
                 operations=ops(read=self._read_secret, update=self._enable_secret,
                                delete=self._disable_secret),
                 synopsis="Enable, read or disable a secrets engine."),
            Path(patterns=("auth",), operations=ops(read=self._list_auth),
                 synopsis="List the enabled auth methods."),
            Path(patterns=("auth/{path:path}/tune",), fields=_TUNE_FIELDS,
                 operations=ops(read=self._read_tune_auth, update=self._tune_auth),
                 synopsis="Tune an auth method's configuration."),
            Path(patterns=("auth/{path:path}",), fields=_ENABLE_FIELDS,
                 operations=ops(read=self._read_auth, update=self._enable_auth,
                                delete=self._disable_auth),
                 synopsis="Enable, read or disable an auth method."),
            Path(patterns=("remount",),
                 fields={"from": Field(type=FieldType.ANY, description="Current mount path."),
                         "to": Field(type=FieldType.ANY, description="New mount path.")},
                 operations=ops(update=self._remount),
                 synopsis="Move a mount to a new path."),
            Path(patterns=("remount/status/{migration_id}",),
                 fields={"migration_id": Field(description="The id remount returned.")},
                 operations=ops(read=self._remount_status),
                 synopsis="Status of a mount move."),
        ]

    def _mounts_check_free(self, path: str) -> None:
        for entry in self._mounts.mount_entries(auth=path.startswith("auth/")):
            if path.startswith(entry.path) or entry.path.startswith(path):
                raise InvalidRequest(f"path is already in use at {entry.relative_path}")

    # ---- listing and reading ----------------------------------------------------------

    def _listing(self, auth: bool) -> Response:
        data = {e.relative_path: e.view() for e in self._mounts.mount_entries(auth=auth)}
        return Response(data=data, legacy_top_level=True)

    async def _list_secrets(self, request: Request, data: FieldData) -> Response:
        return self._listing(auth=False)

    async def _list_auth(self, request: Request, data: FieldData) -> Response:
        return self._listing(auth=True)

    async def _read_secret(self, request: Request, data: FieldData) -> Response:
        path = normalize(data.get_str("path"))
        entry = self._mounts.mount_entry(path)
        if entry is None:
            raise InvalidRequest(f"No secret engine mount at {path}")
        return Response(data=entry.view(), legacy_top_level=True)

    async def _read_auth(self, request: Request, data: FieldData) -> Response:
        path = normalize(data.get_str("path"))
        entry = self._mounts.mount_entry("auth/" + path)
        if entry is None:
            raise InvalidRequest(f"No auth engine at {path}")
        return Response(data=entry.view(), legacy_top_level=True)

    # ---- enable / disable ------------------------------------------------------------------

    async def _enable_secret(self, request: Request, data: FieldData) -> None:
        await self._enable(data, auth=False)

    async def _enable_auth(self, request: Request, data: FieldData) -> None:
        await self._enable(data, auth=True)

    async def _enable(self, data: FieldData, *, auth: bool) -> None:
        path = normalize(data.get_str("path"))
        raw_kind = data.get("type")
        if raw_kind is None or raw_kind == "":
            raw_kind = data.get("plugin_name")
        if raw_kind is None or raw_kind == "":
            raise InvalidRequest("backend type must be specified as a string")
        kind = raw_kind if isinstance(raw_kind, str) else json.dumps(raw_kind)
        raw_options = data.get("options")
        options = None if raw_options is None else string_map("options", raw_options)
        if kind in ("kv-v1", "kv-v2"):
            options = {**(options or {}), "version": kind[-1]}
            kind = "kv"
        full = ("auth/" + path) if auth else path
        if not path or (not auth and path.startswith(PROTECTED)):
            raise InvalidRequest(f'cannot mount "{path}"')
        if auth and kind == "token":
            raise InvalidRequest("token credential backend cannot be instantiated")
        if auth:
            self._mounts_check_free(full)
        if not self._mounts.mount_type_known(kind, auth=auth):
            if not auth and kind in ("system", "cubbyhole", "identity", "token"):
                raise InvalidRequest(f'mount type of "{kind}" is not mountable')
            raise InvalidRequest(f"plugin not found in the catalog: {kind}")
        entry = self._mounts.new_mount_entry(full, kind, auth=auth)
        entry.description = data.get_str("description")
        entry.options = options
        entry.local = data.get_bool("local")
        entry.seal_wrap = data.get_bool("seal_wrap")
        entry.external_entropy_access = data.get_bool("external_entropy_access")
        config = data.get("config")
        if config is not None and not isinstance(config, dict):
            raise conversion_error("config", config, unconvertible(
                "map[string]interface {}", config))
        apply_config(entry, config or {})
        await self._mounts.enable_mount(entry)

    async def _disable_secret(self, request: Request, data: FieldData) -> None:
        path = normalize(data.get_str("path"))
        if path.startswith(PROTECTED) or not path:
            raise InvalidRequest(f'cannot unmount "{path}"')
        await self._mounts.disable_mount(path)

    async def _disable_auth(self, request: Request, data: FieldData) -> None:
        path = normalize(data.get_str("path"))
        if path == "token/":
            raise InvalidRequest("token credential backend cannot be disabled")
        await self._mounts.disable_mount("auth/" + path)

    # ---- tune -------------------------------------------------------------------------

    def _tuned(self, path: str, auth: bool, reading: bool) -> MountEntry:
        full = ("auth/" + path) if auth else path
        entry = self._mounts.mount_entry(full)
        if entry is None:
            if reading:
                raise InvalidRequest(f'cannot fetch sysview for path "{full}"')
            raise InvalidRequest(f'tune of path "{full}" failed: no mount entry found')
        return entry

    def _tune_view(self, entry: MountEntry) -> Response:
        view: dict[str, Any] = {
            "default_lease_ttl": entry.default_lease_ttl
            or self._mounts.system_default_lease_ttl(),
            "description": entry.description,
            "force_no_cache": entry.force_no_cache,
            "max_lease_ttl": entry.max_lease_ttl or self._mounts.system_max_lease_ttl(),
        }
        if entry.options:
            view["options"] = entry.options
        if entry.external_entropy_access:
            view["external_entropy_access"] = True
        view.update(entry.extra_config)
        if entry.is_auth and "token_type" not in view:
            view["token_type"] = "default-service"
        return Response(data=dict(sorted(view.items())), legacy_top_level=True)

    async def _read_tune_secret(self, request: Request, data: FieldData) -> Response:
        return self._tune_view(self._tuned(normalize(data.get_str("path")), False, True))

    async def _read_tune_auth(self, request: Request, data: FieldData) -> Response:
        return self._tune_view(self._tuned(normalize(data.get_str("path")), True, True))

    async def _tune_secret(self, request: Request, data: FieldData) -> Response | None:
        return await self._tune(data, auth=False)

    async def _tune_auth(self, request: Request, data: FieldData) -> Response | None:
        return await self._tune(data, auth=True)

    async def _tune(self, data: FieldData, *, auth: bool) -> Response | None:
        entry = self._tuned(normalize(data.get_str("path")), auth, False)
        default, maximum = entry.default_lease_ttl, entry.max_lease_ttl
        try:
            # An empty string leaves the value as it is (the CLI sends every field).
            if data.given("default_lease_ttl") and data.get("default_lease_ttl") != "":
                default = ttl(data.get("default_lease_ttl"))
            if data.given("max_lease_ttl") and data.get("max_lease_ttl") != "":
                maximum = ttl(data.get("max_lease_ttl"))
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        if maximum and default > maximum:
            raise InvalidRequest(
                f"backend max lease TTL of {maximum} would be less than backend "
                f"default lease TTL of {default}"
            )
        warnings: list[str] = []
        upgrade_from: str | None = None
        new_options: dict[str, str] | None = None
        if data.given("options") and data.get("options") is not None:
            options = string_map("options", data.get("options"))
            old = (entry.options or {}).get("version", "")
            if entry.type == "kv" and "version" in options:
                new = options["version"]
                check_kv_version(new)
                if new != old and not (new == "1" and old == ""):
                    if old == "2":
                        raise InvalidRequest("cannot downgrade mount from version 2")
                    upgrade_from = old
                    warnings.append(_UPGRADE_WARNING.format(old=old or 0, new=new))
            merged = dict(entry.options or {})
            for key, value in options.items():
                if value == "":
                    merged.pop(key, None)  # an empty value removes the option
                else:
                    merged[key] = value
            new_options = merged
        entry.default_lease_ttl, entry.max_lease_ttl = default, maximum
        if new_options is not None:
            entry.options = new_options
        if data.given("description") and data.get("description") is not None:
            entry.description = str(data.get("description"))
        apply_extra(entry, {k: v for k, v in data.raw.items()
                            if k in LIST_CONFIG_KEYS or k in STRING_CONFIG_KEYS})
        if upgrade_from is not None:
            await self._mounts.upgrade_mount(entry, upgrade_from)
        else:
            await self._mounts.save_mount(entry, reload=False)
        return Response(warnings=warnings) if warnings else None

    # ---- remount ------------------------------------------------------------------------

    async def _remount(self, request: Request, data: FieldData) -> Response:
        source, target = data.get("from"), data.get("to")
        if not isinstance(source, str) or not isinstance(target, str) or not source or not target:
            raise InvalidRequest("both 'from' and 'to' path must be specified as a string")
        source, target = normalize(source), normalize(target)
        if _core_owned(source):
            raise InvalidRequest(f'cannot remount "{source}"')
        if _core_owned(target) or source.startswith("auth/") != target.startswith("auth/"):
            raise InvalidRequest(f"cannot remount to destination {target}")
        if self._mounts.mount_entry(source) is None:
            raise InvalidRequest(f'no matching mount at "{source}"')
        await self._mounts.move_mount(source, target)
        migration_id = new_uuid(self._random)
        self._migrations[migration_id] = {
            "source_mount": source, "target_mount": target, "status": "success",
        }
        return Response(
            data={"migration_id": migration_id},
            warnings=["Mount move has been queued. Progress will be reported in Vault's "
                      "server log, tagged with the returned migration_id"],
            legacy_top_level=True,
        )

    async def _remount_status(self, request: Request, data: FieldData) -> Response:
        migration_id = data.get_str("migration_id")
        info = self._migrations.get(migration_id)
        if info is None:
            raise NotFound()
        return Response(data={"migration_id": migration_id, "migration_info": dict(info)})
