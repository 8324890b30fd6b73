"""sys/tools/random and sys/tools/hash through their path table.

Expected values were read off OpenBao 2.7.2 (errors, base64 offsets, the legacy URL
forms); the bytes-range texts follow HashiCorp Vault's ``"bytes"`` wording.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from pyvault.builtin.system.path_tools import ToolsPaths, go_atoi, go_b64decode
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response


class SeededRandom:
    """Deterministic bytes (SHA-256 in counter mode)."""

    def __init__(self) -> None:
        self._counter = 0

    def bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self._counter += 1
            out += hashlib.sha256(b"tools" + self._counter.to_bytes(8, "big")).digest()
        return out[:n]


HELLO = base64.b64encode(b"hello").decode()
SEAL_WARNING = "no seal/entropy augmentation available, using platform entropy source"


def replaced(*names: str) -> str:
    return ("Endpoint replaced the value of these parameters with the values captured from "
            f"the endpoint's path: [{' '.join(names)}]")


@pytest.fixture
def backend() -> Backend:
    return Backend(paths=ToolsPaths(SeededRandom()).paths(), backend_type="system")


async def post(backend: Backend, path: str, data: dict[str, Any] | None = None) -> Response:
    response = await backend.handle(
        Request(operation=Operation.UPDATE, path=path, data=data or {}))
    assert response is not None
    return response


async def error(backend: Backend, path: str, data: dict[str, Any] | None = None) -> str:
    with pytest.raises(InvalidRequest) as caught:
        await backend.handle(Request(operation=Operation.UPDATE, path=path, data=data or {}))
    assert caught.value.status == 400
    [message] = caught.value.messages
    return message


# ---- tools/random ---------------------------------------------------------------------

async def test_random_defaults_to_32_bytes_base64_from_the_injected_source(
    backend: Backend,
) -> None:
    response = await post(backend, "tools/random")
    assert response.data == {
        "random_bytes": base64.b64encode(SeededRandom().bytes(32)).decode()}
    assert response.warnings == []


@pytest.mark.parametrize(
    ("suffix", "body", "size", "warnings"),
    [
        ("", {"bytes": 4, "format": "hex"}, 4, []),
        ("/8", {}, 8, []),
        ("/seal", {}, 32, [SEAL_WARNING]),
        ("/all", {"bytes": 3}, 3, []),
        ("/all/4", {"format": "hex"}, 4, []),
        ("/seal/4", {}, 4, [SEAL_WARNING]),
        ("/platform/+5", {}, 5, []),
        ("/-1", {}, 32, []),  # not a source name, so the byte count: Vault then uses "bytes"
        ("/a-", {}, 32, []),
        ("", {"bytes": 131072}, 131072, []),
        # A body "source" is always replaced by the URL's (empty) capture: platform.
        ("", {"source": "seal"}, 32, [replaced("source")]),
        ("", {"source": "bogus"}, 32, [replaced("source")]),
        ("/seal", {"source": "all", "urlbytes": "5"}, 32,
         [SEAL_WARNING, replaced("source", "urlbytes")]),
    ],
)
async def test_random_forms(
    backend: Backend, suffix: str, body: dict[str, Any], size: int, warnings: list[str]
) -> None:
    response = await post(backend, "tools/random" + suffix, body)
    assert response.data is not None
    encoded = response.data["random_bytes"]
    raw = bytes.fromhex(encoded) if body.get("format") == "hex" else base64.b64decode(encoded)
    assert len(raw) == size
    assert response.warnings == warnings


@pytest.mark.parametrize(
    ("suffix", "body", "message"),
    [
        ("", {"bytes": 0}, '"bytes" cannot be less than 1'),
        ("", {"bytes": -1}, '"bytes" cannot be less than 1'),
        ("/seal/0", {}, '"bytes" cannot be less than 1'),
        ("", {"bytes": 131073}, '"bytes" should be less than 131072'),
        ("/999999", {}, '"bytes" should be less than 131072'),
        ("", {"format": "raw"}, 'unsupported encoding format "raw"; must be "hex" or "base64"'),
        ("/bogus", {}, 'error parsing url-set byte count: strconv.Atoi: parsing "bogus": '
                       "invalid syntax"),
        ("/99999999999999999999", {}, "error parsing url-set byte count: strconv.Atoi: "
                                      'parsing "99999999999999999999": value out of range'),
        ("/platform/x", {}, 'error parsing url-set byte count: strconv.Atoi: parsing "x": '
                            "invalid syntax"),
        ("/bogus/4", {}, 'unsupported entropy source "bogus"; must be "platform" or "seal", '
                         'or "all"'),
        ("/4/4", {}, 'unsupported entropy source "4"; must be "platform" or "seal", or "all"'),
    ],
)
async def test_random_errors(
    backend: Backend, suffix: str, body: dict[str, Any], message: str
) -> None:
    assert await error(backend, "tools/random" + suffix, body) == message


def test_go_atoi() -> None:
    assert [go_atoi(t) for t in ("0", "+7", "-7", "9223372036854775807")] == [
        0, 7, -7, 9223372036854775807]
    for bad in ("", "+", "1_000", "0x10", " 4", "4 ", "\u0661"):
        with pytest.raises(ValueError, match="invalid syntax"):
            go_atoi(bad)
    with pytest.raises(ValueError, match="value out of range"):
        go_atoi("9223372036854775808")


# ---- tools/hash -------------------------------------------------------------------------

KNOWN = {  # sums of "hello", from the reference server
    "sha2-224": ("hex", "ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193"),
    "sha2-256": ("hex", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
    "sha2-512": ("hex", "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
                        "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"),
    "sha3-512": ("base64", "ddUnw2jy7+hI7Pawc6NnZ4AIBenu8rGFfV+YTwNutt+JHXX3LZsVRRjBzViDUobR"
                           "2po43ro96YtaU+XteKhJdg=="),
}


@pytest.mark.parametrize("algorithm", sorted(KNOWN))
async def test_hash_known_answers(backend: Backend, algorithm: str) -> None:
    output, expected = KNOWN[algorithm]
    by_url = await post(backend, f"tools/hash/{algorithm}", {"input": HELLO, "format": output})
    by_body = await post(backend, "tools/hash",
                         {"input": HELLO, "algorithm": algorithm, "format": output})
    assert by_url.data == by_body.data == {"sum": expected}


@pytest.mark.parametrize("algorithm", ["sha2-384", "sha3-224", "sha3-256", "sha3-384"])
async def test_hash_other_algorithms(backend: Backend, algorithm: str) -> None:
    name = algorithm.replace("sha2-", "sha").replace("sha3-", "sha3_")
    response = await post(backend, "tools/hash/" + algorithm, {"input": HELLO})
    assert response.data == {"sum": hashlib.new(name, b"hello").hexdigest()}


async def test_hash_defaults_and_overrides(backend: Backend) -> None:
    empty = await post(backend, "tools/hash", {})
    assert empty.data == {"sum": hashlib.sha256(b"").hexdigest()}
    # The URL algorithm wins over the body's.
    both = await post(backend, "tools/hash/sha2-224", {"input": HELLO, "algorithm": "sha2-512"})
    assert both.data == {"sum": KNOWN["sha2-224"][1]}
    # A body "urlalgorithm" is replaced by the URL's empty capture, with a warning.
    sneaky = await post(backend, "tools/hash", {"input": HELLO, "urlalgorithm": "sha2-512"})
    assert sneaky.data == {"sum": KNOWN["sha2-256"][1]}
    assert sneaky.warnings == [replaced("urlalgorithm")]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("tools/hash/md5", {"input": HELLO}, "unsupported algorithm md5"),
        ("tools/hash", {"input": HELLO, "algorithm": "SHA2-512"}, "unsupported algorithm SHA2-512"),
        ("tools/hash/sha2-256/x", {"input": HELLO}, "unsupported algorithm sha2-256/x"),
        ("tools/hash", {"input": HELLO, "format": "raw"},
         'unsupported encoding format raw; must be "hex" or "base64"'),
        ("tools/hash", {"input": "not base64!"},
         "unable to decode input as base64: illegal base64 data at input byte 3"),
        # Input is checked first, then the format, then the algorithm (Vault's order).
        ("tools/hash/md5", {"input": "aGVsbG8", "format": "raw"},
         "unable to decode input as base64: illegal base64 data at input byte 4"),
        ("tools/hash/md5", {"input": HELLO, "format": "raw"},
         'unsupported encoding format raw; must be "hex" or "base64"'),
    ],
)
async def test_hash_errors(
    backend: Backend, path: str, body: dict[str, Any], message: str
) -> None:
    assert await error(backend, path, body) == message


# Go's base64.StdEncoding.DecodeString: (input, offset of the error or None), as the
# reference answered for each.
GO_BASE64 = [
    ("", None), ("aGVsbG8=", None), ("aGVsbG8", 4), ("aGVsbA==", None), ("aGVsbA=", 7),
    ("aGVsbA", 4), ("aGVs\nbG8=", None), ("aGVs\r\nbG8=", None), ("a", 0), ("ab", 0),
    ("abc", 0), ("abcd", None), ("ab==", None), ("ab=", 3), ("ab=x", 2), ("ab==x", 4),
    ("abc=", None), ("abc==", 4), ("=", 0), ("==", 0), ("a===", 1), ("aGVsbG8=\n", None),
    ("aGVsbG8=\nx", 9), ("aGV=bG8=", 4), ("ab\n=\n=", None), ("ab=\n", 4), ("ab=\n=", None),
    ("\u00e9", 0), ("aGVsbG8haGVs*G8h", 12), ("aGVsbG8haGVsbG==", None), ("AB-_", 2),
    (" aGVs", 0), ("aGVs ", 4), ("YQ==YQ==", 4), ("YR==", None), ("YWJ=", None),
    ("\n\n", None), ("YQ=\n=", None), ("not base64!", 3), ("123", 0),
]


@pytest.mark.parametrize(("text", "offset"), GO_BASE64)
def test_go_base64_matches_the_reference(text: str, offset: int | None) -> None:
    if offset is None:
        # Go ignores CR/LF and non-zero trailing bits; Python's lax decoder agrees here.
        assert go_b64decode(text) == base64.b64decode(text.replace("\n", "").replace("\r", ""))
    else:
        with pytest.raises(ValueError, match=f"illegal base64 data at input byte {offset}$"):
            go_b64decode(text)


async def test_help(backend: Backend) -> None:
    response = await backend.handle(Request(operation=Operation.HELP, path="tools/random/8"))
    assert response is not None and response.data is not None
    assert "Generate random bytes" in response.data["help"]
