"""sys/tools/random and sys/tools/hash: outputs, legacy URL forms, errors, ACL.

Expected answers were read off OpenBao 2.7.2. The byte-range messages differ: OpenBao
says 'bytes', HashiCorp Vault "bytes"; pyvault follows Vault, the tests accept both.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest
import requests
from harness import ServerProcess

ACL_DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}
UNSUPPORTED = {"errors": ["1 error occurred:\n\t* unsupported operation\n\n"]}
HELLO = base64.b64encode(b"hello").decode()
SEAL_WARNING = "no seal/entropy augmentation available, using platform entropy source"
SUMS = {  # of "hello"
    "sha2-224": "ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193",
    "sha2-256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    "sha2-384": "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90"
                "125a3c79f90397bdf5f6a13de828684f",
    "sha2-512": "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
                "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    "sha3-224": "b87f88c72702fff1748e58b87e9141a42c0dbedc29a78cb0d4a5cd81",
    "sha3-256": "3338be694f50c5f338814986cdf0686453a888b84f424d792af4b9202398f392",
    "sha3-384": "720aea11019ef06440fbf05d87aa24680a2153df3907b23631e7177ce620fa13"
                "30ff07c0fddee54699a4c3ee0ee9d887",
    "sha3-512": "75d527c368f2efe848ecf6b073a36767800805e9eef2b1857d5f984f036eb6df"
                "891d75f72d9b154518c1cd58835286d1da9a38deba3de98b5a53e5ed78a84976",
}


def json_of(resp: requests.Response, status: int) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"] == "application/json"
    return resp.json()


def post(server: ServerProcess, path: str, body: dict[str, Any] | None = None,
         token: str | None = "root") -> requests.Response:
    return server.request("POST", "/v1/sys/tools/" + path, json=body or {}, token=token)


def too_few_or_many(message: str, which: str) -> bool:
    vault = {"few": '"bytes" cannot be less than 1', "many": '"bytes" should be less than 131072'}
    openbao = {k: v.replace('"bytes"', "'bytes'") for k, v in vault.items()}
    return message in (vault[which], openbao[which])


def test_random_default_is_32_bytes_base64(dev_server: ServerProcess) -> None:
    body = json_of(post(dev_server, "random"), 200)
    assert set(body["data"]) == {"random_bytes"}
    assert len(base64.b64decode(body["data"]["random_bytes"], validate=True)) == 32
    assert body["warnings"] is None
    again = json_of(post(dev_server, "random"), 200)["data"]["random_bytes"]
    assert again != body["data"]["random_bytes"]


@pytest.mark.parametrize(
    ("path", "body", "size", "hex_out", "warnings"),
    [
        ("random", {"bytes": 4, "format": "hex"}, 4, True, None),
        ("random/8", {}, 8, False, None),
        ("random/seal", {}, 32, False, [SEAL_WARNING]),
        ("random/all/4", {"format": "hex"}, 4, True, None),
        ("random/seal/4", {}, 4, False, [SEAL_WARNING]),
        ("random/-1", {}, 32, False, None),
        ("random", {"bytes": 131072}, 131072, False, None),
        ("random", {"source": "seal"}, 32, False,
         ["Endpoint replaced the value of these parameters with the values captured from "
          "the endpoint's path: [source]"]),
    ],
)
def test_random_forms(
    dev_server: ServerProcess, path: str, body: dict[str, Any], size: int, hex_out: bool,
    warnings: list[str] | None,
) -> None:
    answer = json_of(post(dev_server, path, body), 200)
    encoded = answer["data"]["random_bytes"]
    raw = bytes.fromhex(encoded) if hex_out else base64.b64decode(encoded, validate=True)
    assert len(raw) == size
    assert answer["warnings"] == warnings


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("random/bogus", {}, 'error parsing url-set byte count: strconv.Atoi: parsing "bogus": '
                             "invalid syntax"),
        ("random/bogus/4", {}, 'unsupported entropy source "bogus"; must be "platform" or '
                               '"seal", or "all"'),
        ("random/4/4", {}, 'unsupported entropy source "4"; must be "platform" or "seal", '
                           'or "all"'),
        ("random", {"format": "raw"}, 'unsupported encoding format "raw"; must be "hex" or '
                                      '"base64"'),
    ],
)
def test_random_errors(
    dev_server: ServerProcess, path: str, body: dict[str, Any], message: str
) -> None:
    assert json_of(post(dev_server, path, body), 400) == {"errors": [message]}


@pytest.mark.parametrize(
    ("path", "body", "which"),
    [("random", {"bytes": 0}, "few"), ("random/seal/0", {}, "few"),
     ("random", {"bytes": 131073}, "many"), ("random/999999", {}, "many")],
)
def test_random_byte_range(
    dev_server: ServerProcess, path: str, body: dict[str, Any], which: str
) -> None:
    [message] = json_of(post(dev_server, path, body), 400)["errors"]
    assert too_few_or_many(message, which), message


@pytest.mark.parametrize("algorithm", sorted(SUMS))
def test_hash_algorithms(dev_server: ServerProcess, algorithm: str) -> None:
    by_url = json_of(post(dev_server, "hash/" + algorithm, {"input": HELLO}), 200)
    assert by_url["data"] == {"sum": SUMS[algorithm]}
    by_body = json_of(post(dev_server, "hash", {"input": HELLO, "algorithm": algorithm,
                                                "format": "base64"}), 200)
    digest = base64.b64decode(by_body["data"]["sum"], validate=True)
    assert binascii.hexlify(digest).decode() == SUMS[algorithm]


def test_hash_defaults_to_sha2_256_hex(dev_server: ServerProcess) -> None:
    assert json_of(post(dev_server, "hash", {"input": HELLO}), 200)["data"] == {
        "sum": SUMS["sha2-256"]}
    empty = json_of(post(dev_server, "hash", {}), 200)["data"]["sum"]
    assert empty == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    url_wins = json_of(post(dev_server, "hash/sha2-224",
                            {"input": HELLO, "algorithm": "sha2-512"}), 200)
    assert url_wins["data"] == {"sum": SUMS["sha2-224"]}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("hash/md5", {"input": HELLO}, "unsupported algorithm md5"),
        ("hash", {"input": HELLO, "algorithm": "SHA2-512"}, "unsupported algorithm SHA2-512"),
        ("hash/sha2-256/x", {"input": HELLO}, "unsupported algorithm sha2-256/x"),
        ("hash", {"input": HELLO, "format": "raw"},
         'unsupported encoding format raw; must be "hex" or "base64"'),
        ("hash", {"input": "not base64!"},
         "unable to decode input as base64: illegal base64 data at input byte 3"),
        ("hash", {"input": "aGVsbG8"},
         "unable to decode input as base64: illegal base64 data at input byte 4"),
        ("hash", {"input": 123},
         "unable to decode input as base64: illegal base64 data at input byte 0"),
    ],
)
def test_hash_errors(
    dev_server: ServerProcess, path: str, body: dict[str, Any], message: str
) -> None:
    assert json_of(post(dev_server, path, body), 400) == {"errors": [message]}


def test_only_post_is_supported(dev_server: ServerProcess) -> None:
    for path in ("/v1/sys/tools/random", "/v1/sys/tools/hash"):
        resp = dev_server.request("GET", path)
        assert json_of(resp, 405) == UNSUPPORTED


def new_token(server: ServerProcess, **params: Any) -> str:
    body = json_of(server.request("POST", "/v1/auth/token/create", json=params), 200)
    token: str = body["auth"]["client_token"]
    return token


def test_default_policy_allows_hash_but_not_random(dev_server: ServerProcess) -> None:
    default = new_token(dev_server, policies=["default"])
    assert json_of(post(dev_server, "hash/sha2-512", {"input": HELLO}, token=default), 200)
    for path in ("random", "random/8"):
        assert json_of(post(dev_server, path, token=default), 403) == ACL_DENIED


def test_a_token_without_the_capability_is_denied(dev_server: ServerProcess) -> None:
    dev_server.request("PUT", "/v1/sys/policy/no-tools",
                       json={"policy": 'path "secret/*" { capabilities = ["read"] }'})
    token = new_token(dev_server, policies=["no-tools"], no_default_policy=True)
    for path in ("hash", "hash/sha2-256", "random", "random/seal/8"):
        assert json_of(post(dev_server, path, {"input": HELLO}, token=token), 403) == ACL_DENIED
