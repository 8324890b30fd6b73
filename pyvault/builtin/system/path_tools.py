"""sys/tools/random and sys/tools/hash: general-purpose helpers.

Vault routes these with one regex each, whose optional groups capture ``""`` when
absent, and URL captures always overwrite body fields. So a ``source`` in the body of
``tools/random`` is ignored (with a warning), and the legacy ``tools/random/<x>`` form
reads ``<x>`` as a source when it names one, else as a byte count. The handlers
re-read the captures from the path to get exactly that behaviour.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from pyvault.crypto.random import RandomSource
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.gobase64 import Base64Error, go_b64decode

API_MAX_BYTES = 128 * 1024
SOURCES = ("", "platform", "seal", "all")
NO_SEAL_ENTROPY = "no seal/entropy augmentation available, using platform entropy source"
HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha2-224": lambda b: hashlib.sha224(b).digest(),
    "sha2-256": lambda b: hashlib.sha256(b).digest(),
    "sha2-384": lambda b: hashlib.sha384(b).digest(),
    "sha2-512": lambda b: hashlib.sha512(b).digest(),
    "sha3-224": lambda b: hashlib.sha3_224(b).digest(),
    "sha3-256": lambda b: hashlib.sha3_256(b).digest(),
    "sha3-384": lambda b: hashlib.sha3_384(b).digest(),
    "sha3-512": lambda b: hashlib.sha3_512(b).digest(),
}
# Vault's patterns (GenericNameRegex, OptionalParamRegex); Go's \w is ASCII-only.
_RANDOM = re.compile(
    r"tools/random(?:/(?P<source>\w(?:[\w\-.]*\w)?))?(?:/(?P<urlbytes>.+))?", re.ASCII
)
_HASH = re.compile(r"tools/hash(?:/(?P<urlalgorithm>.+))?")


class ToolsPaths:
    def __init__(self, random: RandomSource) -> None:
        self._random = random

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("tools/hash", "tools/hash/{urlalgorithm:.+}"),
                 fields=_HASH_FIELDS, operations=ops(update=self._hash),
                 synopsis="Generate a hash sum for input data",
                 description="Generates a hash sum of the given algorithm against the given "
                             "input data."),
            Path(patterns=("tools/random", "tools/random/{source}",
                           "tools/random/{source}/{urlbytes:.+}", "tools/random/{urlbytes:.+}"),
                 fields=_RANDOM_FIELDS, operations=ops(update=self._random_bytes),
                 synopsis="Generate random bytes",
                 description="This function can be used to generate high-entropy random "
                             "bytes."),
        ]

    async def _random_bytes(self, request: Request, data: FieldData) -> Response:
        captured = _captures(_RANDOM, request)
        source_raw, url_bytes = captured["source"], captured["urlbytes"]
        source = "platform"
        if source_raw == "":
            count = data.get_int("bytes")
        elif url_bytes == "" and source_raw in SOURCES:
            source, count = source_raw, data.get_int("bytes")
        elif url_bytes == "":
            count = _url_byte_count(source_raw)
        else:
            source, count = source_raw, _url_byte_count(url_bytes)
        output = data.get_str("format")
        if count < 1:
            raise InvalidRequest('"bytes" cannot be less than 1')
        if count > API_MAX_BYTES:
            raise InvalidRequest(f'"bytes" should be less than {API_MAX_BYTES}')
        if output not in ("hex", "base64"):
            raise InvalidRequest(
                f'unsupported encoding format {go_quote(output)}; must be "hex" or "base64"'
            )
        if source not in SOURCES:
            raise InvalidRequest(f"unsupported entropy source {go_quote(source)}; "
                                 'must be "platform" or "seal", or "all"')
        # No seal entropy source exists, so every source draws platform randomness.
        raw = self._random.bytes(count)
        warnings = [NO_SEAL_ENTROPY] if source == "seal" else []
        return Response(data={"random_bytes": _encode(raw, output)},
                        warnings=warnings + _replaced(request, captured))

    async def _hash(self, request: Request, data: FieldData) -> Response:
        captured = _captures(_HASH, request)
        algorithm = captured["urlalgorithm"] or data.get_str("algorithm")
        output = data.get_str("format")
        try:
            payload = go_b64decode(data.get_str("input"))
        except Base64Error as exc:
            raise InvalidRequest(f"unable to decode input as base64: {exc}") from None
        if output not in ("hex", "base64"):
            raise InvalidRequest(
                f'unsupported encoding format {output}; must be "hex" or "base64"'
            )
        digest = HASHES.get(algorithm)
        if digest is None:
            raise InvalidRequest(f"unsupported algorithm {algorithm}")
        return Response(data={"sum": _encode(digest(payload), output)},
                        warnings=_replaced(request, captured))


_RANDOM_FIELDS = {
    "urlbytes": Field(type=FieldType.STRING,
                      description="The number of bytes to generate (POST URL parameter)"),
    "bytes": Field(type=FieldType.INT, default=32,
                   description="The number of bytes to generate (POST body parameter). "
                               "Defaults to 32 (256 bits)."),
    "format": Field(type=FieldType.STRING, default="base64",
                    description='Encoding format to use. Can be "hex" or "base64". '
                                'Defaults to "base64".'),
    "source": Field(type=FieldType.STRING, default="platform",
                    description='Which system to source random data from, ether "platform", '
                                '"seal", or "all".'),
}
_HASH_FIELDS = {
    "input": Field(type=FieldType.STRING, description="The base64-encoded input data"),
    "algorithm": Field(type=FieldType.STRING, default="sha2-256",
                       description="Algorithm to use (POST body parameter): sha2-224, "
                                   "sha2-256, sha2-384, sha2-512, sha3-224, sha3-256, "
                                   'sha3-384 or sha3-512. Defaults to "sha2-256".'),
    "urlalgorithm": Field(type=FieldType.STRING,
                          description="Algorithm to use (POST URL parameter)"),
    "format": Field(type=FieldType.STRING, default="hex",
                    description='Encoding format to use. Can be "hex" or "base64". '
                                'Defaults to "hex".'),
}


def _captures(pattern: re.Pattern[str], request: Request) -> dict[str, str]:
    """Every capture of Vault's regex, ``""`` for the groups that did not match."""
    found = pattern.fullmatch(request.path)
    names = list(pattern.groupindex)
    if found is None:  # routed here by the templates, so this cannot happen
        return dict.fromkeys(names, "")
    return {name: found.group(name) or "" for name in names}


def _replaced(request: Request, captured: dict[str, str]) -> list[str]:
    """Vault's warning when the path overrode body values."""
    replaced = sorted(name for name in captured if request.data.get(name) is not None)
    if not replaced:
        return []
    return ["Endpoint replaced the value of these parameters with the values captured "
            f"from the endpoint's path: [{' '.join(replaced)}]"]


def _url_byte_count(text: str) -> int:
    try:
        return go_atoi(text)
    except ValueError as exc:
        raise InvalidRequest(f"error parsing url-set byte count: {exc}") from None


def _encode(raw: bytes, output: str) -> str:
    return raw.hex() if output == "hex" else base64.b64encode(raw).decode()


# ---- Go's parsers, so errors read exactly as Vault's ---------------------------------

INT64_MAX = 2**63 - 1


def go_atoi(text: str) -> int:
    """strconv.Atoi (64-bit): optional sign, decimal digits only."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not all("0" <= c <= "9" for c in digits):
        raise ValueError(f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise ValueError(f"strconv.Atoi: parsing {go_quote(text)}: value out of range")
    return value


def go_quote(text: str) -> str:
    """strconv.Quote for the printable text found in URLs and field values."""
    out: list[str] = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                        "\t": "\\t", "\v": "\\v"}.get(char, f"\\x{ord(char):02x}"))
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'
