"""datakey/plaintext/<name> and datakey/wrapped/<name>: a fresh key, encrypted."""

from __future__ import annotations

import base64

from pyvault.builtin.secrets.transit import cipher
from pyvault.builtin.secrets.transit.common import NAME, Group
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

FIELDS = {
    "name": NAME,
    "plaintext": Field(description='"plaintext" returns the key too; "wrapped" does not.'),
    "context": Field(description="Base64 context for derived keys."),
    "nonce": Field(description="Base64 nonce (convergent keys of Vault 0.6.1)."),
    "bits": Field(type=FieldType.INT, default=256, description="128, 256 or 512."),
    "key_version": Field(type=FieldType.INT, description="Key version to encrypt with."),
}
SIZES = {128: 16, 256: 32, 512: 64}


class DatakeyPaths(Group):
    def paths(self) -> list[Path]:
        return [Path(patterns=("datakey/{plaintext}/{name}",), fields=FIELDS,
                     operations=ops(update=self._datakey),
                     synopsis="Generate a data key",
                     description="Makes a random key and returns it encrypted with the "
                     "named key (and in plaintext when asked).")]

    async def _datakey(self, request: Request, data: FieldData) -> Response:
        kind = data.get_str("plaintext")
        if kind not in ("plaintext", "wrapped"):
            raise UserError("Invalid path, must be 'plaintext' or 'wrapped'")
        context = self._b64(data, "context")
        nonce = self._b64(data, "nonce")
        policy = await self.require(request, data.get_str("name"))
        size = SIZES.get(data.get_int("bits"))
        if size is None:
            raise UserError("invalid bit length")
        secret = self.store.random.bytes(size)
        version = cipher.encrypt_version(policy, data.get_int("key_version"))
        text = cipher.encrypt(policy, version, secret, context, nonce, b"", self.store.random)
        out: dict[str, object] = {"ciphertext": text, "key_version": version}
        if kind == "plaintext":
            out["plaintext"] = base64.b64encode(secret).decode()
        return Response(data=out)

    @staticmethod
    def _b64(data: FieldData, name: str) -> bytes:
        value = data.get_str(name)
        if not value:
            return b""
        try:
            return cipher.b64decode(value)
        except UserError:
            raise UserError(f"failed to base64-decode {name}") from None
