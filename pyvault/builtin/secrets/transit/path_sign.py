"""sign/<name>[/<algorithm>] and verify/<name>[/<algorithm>] (signatures and HMACs)."""

from __future__ import annotations

from pyvault.builtin.secrets.transit import hashing, signing
from pyvault.builtin.secrets.transit.batch import (
    BATCH_FIELDS,
    Item,
    batch_items,
    item_int,
    item_str,
    respond,
    run,
    single,
)
from pyvault.builtin.secrets.transit.common import NAME, Group, optional_b64
from pyvault.builtin.secrets.transit.errors import UserError
from pyvault.builtin.secrets.transit.hmacs import verify_hmac
from pyvault.builtin.secrets.transit.model import Policy
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

FIELDS = {
    "name": NAME,
    "urlalgorithm": Field(description="Hash algorithm (from the URL)."),
    "input": Field(description="Base64 input."),
    "hash_algorithm": Field(description="sha1, sha2-224/256/384/512, sha3-*, or none."),
    "algorithm": Field(description="Deprecated: use hash_algorithm."),
    "context": Field(description="Base64 context for derived keys."),
    "key_version": Field(type=FieldType.INT, description="Key version to sign with."),
    "prehashed": Field(type=FieldType.BOOL, description="The input is already a digest."),
    "signature_algorithm": Field(description="RSA: pss (default) or pkcs1v15."),
    "marshaling_algorithm": Field(default="asn1", description="ECDSA: asn1 or jws."),
    "salt_length": Field(default="auto", description="RSA PSS: auto, hash or a number."),
    "signature": Field(description="The signature to verify."),
    "hmac": Field(description="The HMAC to verify."),
    **BATCH_FIELDS,
}
SINGLE = ("input", "context", "key_version", "signature", "hmac")
PATTERNS = ("{name}/{urlalgorithm}", "{name}")


class SignPaths(Group):
    def paths(self) -> list[Path]:
        return [
            Path(patterns=tuple("sign/" + p for p in PATTERNS), fields=FIELDS,
                 operations=ops(update=self._sign), synopsis="Generate a signature for "
                 "input data using the named key", description="Signs with an asymmetric "
                 "key; the signature is vault:v<N>:<base64>."),
            Path(patterns=tuple("verify/" + p for p in PATTERNS), fields=FIELDS,
                 operations=ops(update=self._verify), synopsis="Verify a signature or HMAC "
                 "for input data created using the named key",
                 description="Checks a signature or an HMAC made by this key."),
        ]

    @staticmethod
    def _options(data: FieldData) -> tuple[str, str, str, str, bool]:
        name = (data.get_str("urlalgorithm") or data.get_str("hash_algorithm")
                or data.get_str("algorithm") or "sha2-256")
        marshaling = data.get_str("marshaling_algorithm") or "asn1"
        if marshaling not in ("asn1", "jws"):
            raise UserError(f'invalid marshaling type "{marshaling}"')
        sig_alg = data.get_str("signature_algorithm") or "pss"
        if sig_alg not in ("pss", "pkcs1v15"):
            raise UserError(f"unsupported signature algorithm {sig_alg}")
        prehashed = data.get_bool("prehashed")
        if name == "none" and (not prehashed or sig_alg != "pkcs1v15"):
            raise UserError("hash_algorithm=none requires both prehashed=true and "
                            "signature_algorithm=pkcs1v15")
        return name, marshaling, sig_alg, data.get_str("salt_length"), prehashed

    @staticmethod
    def _input(policy: Policy, item: Item, name: str, prehashed: bool) -> bytes:
        try:
            raw = optional_b64(item, "input")
        except UserError as exc:
            raise UserError(f"unable to decode input as base64: {exc}") from None
        if policy.type.name == "ed25519" or prehashed or name == "none":
            return raw
        return hashing.digest(name, raw)

    async def _sign(self, request: Request, data: FieldData) -> Response:
        name, marshaling, sig_alg, salt, prehashed = self._options(data)
        hash_alg = hashing.algorithm(name)
        items, is_batch = batch_items(data, SINGLE)
        policy = await self.require(request, data.get_str("name"), "signing key not found")
        if not policy.type.signing:
            raise UserError(f"key type {policy.type.name} does not support signing")
        if marshaling == "jws" and not policy.type.curve:
            raise UserError("marshaling type jws is only supported for ECDSA keys")

        def work(item: Item) -> Item:
            version = item_int(item, "key_version") or policy.latest_version
            if version > policy.latest_version or version not in policy.keys:
                raise UserError("requested version for signing is higher than the latest "
                                "key version" if version > policy.latest_version
                                else "invalid key version")
            if policy.min_encryption_version and version < policy.min_encryption_version:
                raise UserError("requested version for signing is less than the minimum "
                                "encryption key version")
            signature = signing.sign(policy, version, self._input(policy, item, name, prehashed),
                                     hash_alg, optional_b64(item, "context"), sig_alg,
                                     marshaling, salt)
            return {"signature": signature, "key_version": version}

        results, ok, failed = run(items, work, lambda e: {"key_version": 0, "error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed, status_on_failure=False)

    async def _verify(self, request: Request, data: FieldData) -> Response:
        name, marshaling, sig_alg, salt, prehashed = self._options(data)
        items, is_batch = batch_items(data, SINGLE)
        if not is_batch:
            has_sig, has_hmac = data.given("signature"), data.given("hmac")
            if has_sig and has_hmac:
                raise UserError("provide one of 'signature' or 'hmac'")
            if not has_sig and not has_hmac:
                raise UserError("neither a 'signature' nor an 'hmac' were given to verify")
        else:
            has_sig = any(item.get("signature") for item in items)
            has_hmac = any(item.get("hmac") for item in items)
            if not has_sig and not has_hmac:
                raise UserError("no batch_input elements have 'signature' or 'hmac'")
            if has_sig and has_hmac:
                raise UserError("batch_input contains both 'signature' and 'hmac'")
        policy = await self.require(request, data.get_str("name"), "signature verification "
                                    "key not found")

        def work(item: Item) -> Item:
            if "hmac" in item and item.get("hmac"):
                valid = verify_hmac(policy, item_str(item, "hmac"), name,
                                    optional_b64(item, "input"))
                return {"valid": valid}
            if not policy.type.signing:
                raise UserError(f"key type {policy.type.name} does not support verification")
            hash_alg = hashing.algorithm(name)
            valid = signing.verify(policy, item_str(item, "signature"),
                                   self._input(policy, item, name, prehashed), hash_alg,
                                   optional_b64(item, "context"), sig_alg, marshaling, salt)
            return {"valid": valid}

        results, ok, failed = run(items, work, lambda e: {"valid": False, "error": e})
        if not is_batch:
            return Response(data=single(results))
        return respond(data, results, ok, failed, status_on_failure=False)
