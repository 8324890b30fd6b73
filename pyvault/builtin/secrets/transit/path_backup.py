"""backup/<name> and restore[/<name>]: Vault's backup format, so keys move both ways."""

from __future__ import annotations

import base64
import binascii
import json

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.common import NAME, Group
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.model import Policy, rfc3339_nano
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.framework.template import NAME as NAME_RE
from pyvault.logical.errors import multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

RESTORE_FIELDS = {
    "name": Field(description="Restore under this name instead of the backup's."),
    "backup": Field(description="The backup, as returned by backup/<name>."),
    "force": Field(type=FieldType.BOOL, description="Overwrite an existing key."),
}


def _failure(message: str) -> UserError:
    # OpenBao answers these with a 500; the text is the same, the status a 400 here.
    return UserError(multierror(message))


class BackupPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("backup/{name}",), fields={"name": NAME},
                 operations=ops(read=self._backup), synopsis="Backup the named key",
                 description="A plaintext backup (needs exportable and "
                 "allow_plaintext_backup)."),
            Path(patterns=("restore/{name}", "restore"), fields=RESTORE_FIELDS,
                 operations=ops(update=self._restore), synopsis="Restore the named key",
                 description="Restores a backup made by Vault, OpenBao or pyvault."),
        ]

    async def _backup(self, request: Request, data: FieldData) -> Response:
        name = data.get_str("name")
        async with self.store.lock:
            policy = await self.policy(request, name)
            if policy is None:
                raise _failure(f'key "{name}" not found')
            if not policy.exportable:
                raise _failure("exporting is disallowed on the policy")
            if not policy.allow_plaintext_backup:
                raise _failure("plaintext backup is disallowed on the policy")
            policy.backup_info = {"time": rfc3339_nano(self.store.clock.now()),
                                  "version": policy.latest_version}
            await self.store.save(self.storage(request), policy)
        body = policy.policy_json()
        body["keys"] = {v: e for v, e in body["keys"].items()
                        if int(v) >= policy.min_decryption_version}
        record = {"policy": body, "archived_keys": policy.archived_json()}
        encoded = json.dumps(record, separators=(",", ":")).encode()
        return Response(data={"backup": base64.b64encode(encoded).decode()})

    async def _restore(self, request: Request, data: FieldData) -> None:
        backup = data.get_str("backup")
        if not backup:
            raise UserError("'backup' must be supplied")
        name = data.get_str("name")
        if name and not _valid_name(name):
            raise UserError("invalid key name")
        policy = _decode(backup, name)
        async with self.store.lock:
            if not data.get_bool("force") and await self.policy(request, policy.name):
                raise _failure(f'key "{policy.name}" already exists')
            policy.restore_info = {"time": rfc3339_nano(self.store.clock.now()),
                                   "version": policy.latest_version}
            await self.store.save(self.storage(request), policy)


def _valid_name(name: str) -> bool:
    import re

    return re.fullmatch(NAME_RE, name) is not None


def _decode(backup: str, name: str) -> Policy:
    try:
        raw = base64.b64decode(backup, validate=True)
    except (binascii.Error, ValueError):
        raise _failure("illegal base64 data in backup") from None
    try:
        record = json.loads(raw)
        policy_raw = record["policy"]
        archived = (record.get("archived_keys") or {}).get("keys")
        if name:
            policy_raw = {**policy_raw, "name": name}
        policy = Policy.from_json(policy_raw, archived)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _failure(f"failed to decode backup: {type(exc).__name__}") from None
    if not policy.name or not _valid_name(policy.name):
        raise _failure("backup does not name a valid key")
    if policy.latest_version < 1 or policy.latest_version not in policy.keys:
        raise _failure("backup does not contain the latest key version")
    for entry in policy.keys.values():
        try:
            if not policy.type.symmetric and policy.type is not kt.HMAC:
                keyops.public_key(policy.type, entry)
            elif not entry.key:
                raise ValueError("no key material")
        except (ValueError, TypeError, UserError):
            raise _failure("backup holds invalid key material") from None
    return policy
