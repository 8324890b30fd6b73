"""export/<type>/<name>[/<version>]: key material in Vault's encodings."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.transit import keyops
from pyvault.builtin.secrets.transit import keytypes as kt
from pyvault.builtin.secrets.transit.common import NAME, Group
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.hmacs import hmac_key
from pyvault.builtin.secrets.transit.model import Policy
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import NotFound, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

TYPES = ("encryption-key", "signing-key", "hmac-key", "public-key")
FIELDS = {
    "type": Field(description="encryption-key, signing-key, hmac-key or public-key."),
    "name": NAME,
    "version": Field(description="A version number or 'latest' (default: all versions)."),
}


def _pem(body: bytes, trim: bool) -> str:
    text = body.decode()
    return text.strip() if trim else text


def export_value(policy: Policy, version: int, kind: str) -> str:
    """One version's material, encoded exactly as Vault's export endpoint does."""
    key_type = policy.type
    entry = policy.keys[version]
    if kind == "hmac-key":
        return base64.b64encode(hmac_key(policy, version)).decode()
    if kind == "encryption-key":
        if key_type.symmetric and entry.key:
            return base64.b64encode(entry.key).decode()
        if key_type.rsa_bits:
            if not keyops.has_private(key_type, entry):
                return ""
            return _rsa_private(policy, version)
        raise UserError("encryption not supported for the key")
    if kind == "signing-key":
        if not keyops.has_private(key_type, entry):
            return ""
        if key_type is kt.ED25519 and entry.key:
            return base64.b64encode(entry.key).decode()
        if key_type.curve:
            key = keyops.private_key(key_type, entry)
            return _pem(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption()), True)
        if key_type.rsa_bits:
            return _rsa_private(policy, version)
        raise UserError("signing not supported for the key")
    if key_type is kt.ED25519:
        return entry.public_key
    if key_type.curve or key_type.rsa_bits:
        public = keyops.public_key(key_type, entry)
        return keyops.public_pem(public).strip() if key_type.curve else keyops.public_pem(public)
    # OpenBao answers this with a 500; same text here, but a 400.
    raise UserError(multierror(f"unknown key type {key_type.name} for export type public-key"))


def _rsa_private(policy: Policy, version: int) -> str:
    key = keyops.private_key(policy.type, policy.keys[version])
    return _pem(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()), False)


class ExportPaths(Group):
    def paths(self) -> list[Path]:
        return [Path(patterns=("export/{type}/{name}/{version}", "export/{type}/{name}"),
                     fields=FIELDS, operations=ops(read=self._export),
                     synopsis="Export named encryption or signing key",
                     description="Returns exportable key material (public keys always).")]

    async def _export(self, request: Request, data: FieldData) -> Response:
        kind = data.get_str("type")
        if kind not in TYPES:
            raise UserError(f"invalid export type: {kind}")
        policy = await self.policy(request, data.get_str("name"))
        if policy is None:
            raise NotFound()
        if kind != "public-key" and not policy.exportable:
            raise UserError("private key material is not exportable")
        live = [v for v in sorted(policy.keys) if v >= policy.min_decryption_version]
        raw_version = data.get_str("version")
        if raw_version:
            if raw_version == "latest":
                version = policy.latest_version
            elif raw_version.isdigit():
                version = int(raw_version)
            else:
                raise UserError("invalid key version")
            if version not in live:
                raise UserError("version does not exist or cannot be found")
            live = [version]
        keys = {str(v): export_value(policy, v, kind) for v in live}
        return Response(data={"name": policy.name, "type": policy.type.name, "keys": keys})
