"""hmac/<name>[/<algorithm>], hash[/<algorithm>], random[/<source>][/<bytes>]."""

from __future__ import annotations

import base64
import hashlib

from pyvault.builtin.secrets.transit import hashing, hmacs
from pyvault.builtin.secrets.transit.batch import (
    BATCH_FIELDS,
    Item,
    batch_items,
    item_int,
    respond,
    run,
    single,
)
from pyvault.builtin.secrets.transit.cipher import b64decode
from pyvault.builtin.secrets.transit.common import NAME, Group, optional_b64
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

MAX_RANDOM = 128 * 1024
HMAC_FIELDS = {
    "name": NAME,
    "urlalgorithm": Field(description="Hash algorithm (from the URL)."),
    "algorithm": Field(default="sha2-256", description="Hash algorithm for the HMAC."),
    "input": Field(description="Base64 input."),
    "key_version": Field(type=FieldType.INT, description="Key version (0 = latest)."),
    **BATCH_FIELDS,
}
HASH_FIELDS = {
    "urlalgorithm": Field(description="Hash algorithm (from the URL)."),
    "algorithm": Field(default="sha2-256", description="Hash algorithm."),
    "input": Field(description="Base64 input."),
    "format": Field(default="hex", description="hex or base64."),
}
RANDOM_FIELDS = {
    "urlbytes": Field(description="Number of bytes (from the URL)."),
    "source": Field(default="platform", description="platform, seal or all."),
    "bytes": Field(type=FieldType.INT, default=32, description="Number of bytes."),
    "format": Field(default="base64", description="hex or base64."),
}


class ToolPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=("hmac/{name}/{urlalgorithm}", "hmac/{name}"), fields=HMAC_FIELDS,
                 operations=ops(update=self._hmac), synopsis="Generate an HMAC for input "
                 "data using the named key", description="HMACs with a key version's "
                 "HMAC key; the answer is vault:v<N>:<base64>."),
            Path(patterns=("hash/{urlalgorithm}", "hash"), fields=HASH_FIELDS,
                 operations=ops(update=self._hash), synopsis="Generate a hash sum for "
                 "input data", description="Hashes base64 input; no key involved."),
            Path(patterns=("random/{urlbytes:\\d+}", "random/{source}/{urlbytes:\\d+}",
                           "random/{source}", "random"), fields=RANDOM_FIELDS,
                 operations=ops(update=self._random), synopsis="Generate random bytes",
                 description="Random bytes from the server's entropy source."),
        ]

    async def _hmac(self, request: Request, data: FieldData) -> Response:
        algorithm = data.get_str("urlalgorithm") or data.get_str("algorithm")
        items, is_batch = batch_items(data, ("input", "key_version"))
        if not is_batch and not data.given("input"):
            raise UserError("missing input for HMAC")
        policy = await self.require(request, data.get_str("name"))

        def work(item: Item) -> Item:
            version = item_int(item, "key_version") or policy.latest_version
            if version > policy.latest_version:
                raise UserError("key version does not exist; latest key version is "
                                f"{policy.latest_version}")
            if policy.min_encryption_version and version < policy.min_encryption_version:
                raise UserError("cannot generate HMAC: version is too old (disallowed by "
                                "policy)")
            try:
                raw = optional_b64(item, "input")
            except UserError as exc:
                raise UserError(f"unable to decode input as base64: {exc}") from None
            return {"hmac": hmacs.compute(policy, version, algorithm, raw)}

        results, ok, failed = run(items, work, lambda e: {"error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed, status_on_failure=False)

    async def _hash(self, request: Request, data: FieldData) -> Response:
        if not data.given("input"):
            raise UserError("input missing")
        algorithm = data.get_str("urlalgorithm") or data.get_str("algorithm")
        output = data.get_str("format")
        try:
            raw = b64decode(data.get_str("input"))
        except UserError as exc:
            raise UserError(f"unable to decode input as base64: {exc}") from None
        if output not in ("hex", "base64"):
            raise UserError(f'unsupported encoding format {output}; must be "hex" or "base64"')
        name = hashing.HASHLIB.get(algorithm)
        if name is None:
            raise UserError(f"unsupported algorithm {algorithm}")
        digest = hashlib.new(name, raw).digest()
        text = digest.hex() if output == "hex" else base64.b64encode(digest).decode()
        return Response(data={"sum": text})

    async def _random(self, request: Request, data: FieldData) -> Response:
        url = data.get_str("urlbytes")
        count = int(url) if url else data.get_int("bytes")
        output = data.get_str("format")
        source = data.get_str("source")
        if count < 1:
            raise UserError("'bytes' cannot be less than 1")
        if count > MAX_RANDOM:
            raise UserError(f"'bytes' should be less than {MAX_RANDOM}")
        if output not in ("hex", "base64"):
            raise UserError(f'unsupported encoding format "{output}"; must be "hex" or '
                            '"base64"')
        if source not in ("", "platform", "seal", "all"):
            raise UserError(f'unsupported entropy source "{source}"; must be "platform" or '
                            '"seal", or "all"')
        raw = self.store.random.bytes(count)
        text = raw.hex() if output == "hex" else base64.b64encode(raw).decode()
        return Response(data={"random_bytes": text})
