"""The init/unseal/seal ceremony as an hvac user sees it, and its error answers.

Every expected message below was read off OpenBao 2.7.2 and is what pyvault must say too.
"""

from __future__ import annotations

import base64
import os
import re
from typing import Any

import hvac.exceptions
import pytest
import requests
from harness import ServerProcess

HEX_SHARE = re.compile(r"[0-9a-f]{66}")  # 32 bytes of key + 1 byte of x-coordinate


def forged_share(genuine: list[str]) -> str:
    """A well-formed share (33 bytes, hex) that belongs to no split; its x-coordinate differs
    from the genuine ones so Shamir combines it instead of rejecting a duplicate part."""
    taken = {bytes.fromhex(k)[-1] for k in genuine}
    x = next(i for i in range(1, 256) if i not in taken)
    return (os.urandom(32) + bytes([x])).hex()


def assert_sealed(status: dict[str, Any], *, progress: int = 0) -> None:
    assert status["sealed"] is True
    assert (status["type"], status["t"], status["n"]) == ("shamir", 3, 5)
    assert status["progress"] == progress


def test_initialize_then_unseal_share_by_share(fresh_server: ServerProcess) -> None:
    client = fresh_server.client()
    assert client.sys.is_initialized() is False
    assert client.sys.read_init_status() == {"initialized": False}
    before = client.sys.read_seal_status()
    assert (before["initialized"], before["sealed"], before["t"], before["n"]) == (
        False,
        True,
        0,
        0,
    )

    result = client.sys.initialize(secret_shares=5, secret_threshold=3)
    assert set(result) == {"keys", "keys_base64", "root_token"}
    keys, keys_b64 = result["keys"], result["keys_base64"]
    assert len(keys) == len(keys_b64) == 5
    assert len(set(keys)) == 5
    for hex_key, b64_key in zip(keys, keys_b64, strict=True):
        assert HEX_SHARE.fullmatch(hex_key), hex_key
        assert base64.b64decode(b64_key, validate=True) == bytes.fromhex(hex_key)
    assert isinstance(result["root_token"], str)
    assert result["root_token"]

    assert client.sys.is_initialized() is True
    assert client.sys.read_init_status() == {"initialized": True}
    status = client.sys.read_seal_status()
    assert_sealed(status, progress=0)
    assert status["initialized"] is True
    assert status["nonce"] == ""

    first = client.sys.submit_unseal_key(keys[0])
    assert_sealed(first, progress=1)
    assert isinstance(first["nonce"], str)
    assert first["nonce"]
    second = client.sys.submit_unseal_key(keys[1])
    assert_sealed(second, progress=2)
    assert second["nonce"] == first["nonce"]

    last = client.sys.submit_unseal_key(keys[2])
    assert last["sealed"] is False
    assert (last["progress"], last["nonce"], last["t"], last["n"]) == (0, "", 3, 5)
    assert client.sys.is_sealed() is False


def test_mixed_share_encodings_health_and_seal(fresh_server: ServerProcess) -> None:
    client = fresh_server.client()
    init = client.sys.initialize(secret_shares=5, secret_threshold=3)
    keys, keys_b64, root = init["keys"], init["keys_base64"], init["root_token"]

    unsealed = client.sys.submit_unseal_keys([keys[0], keys_b64[2], keys[4]])
    assert unsealed["sealed"] is False
    health = client.sys.read_health_status(method="GET")
    assert isinstance(health, dict)  # hvac gives a dict only for 200
    assert (health["initialized"], health["sealed"], health["standby"]) == (True, False, False)
    assert client.sys.read_health_status().status_code == 200  # HEAD

    for token in (None, "not-a-real-token"):
        with pytest.raises(hvac.exceptions.Forbidden) as denied:
            fresh_server.client(token=token).sys.seal()
        assert denied.value.errors == ["permission denied"]
    assert client.sys.is_sealed() is False

    sealed = fresh_server.client(token=root).sys.seal()
    assert isinstance(sealed, requests.Response)
    assert sealed.status_code == 204
    assert client.sys.is_sealed() is True

    # hvac hands back the raw Response for any non-200 health answer.
    health = client.sys.read_health_status(method="GET")
    assert isinstance(health, requests.Response)
    assert health.status_code == 503
    body = health.json()
    assert (body["initialized"], body["sealed"]) == (True, True)
    assert isinstance(body["standby"], bool)
    assert client.sys.read_health_status().status_code == 503  # HEAD

    with pytest.raises(hvac.exceptions.InvalidRequest) as again:
        client.sys.initialize(secret_shares=5, secret_threshold=3)
    assert again.value.errors == ["Vault is already initialized"]


def test_reset_duplicate_and_forged_shares(fresh_server: ServerProcess) -> None:
    client = fresh_server.client()
    keys = client.sys.initialize(secret_shares=5, secret_threshold=3)["keys"]

    assert_sealed(client.sys.submit_unseal_key(keys[0]), progress=1)
    reset = client.sys.submit_unseal_key(reset=True)
    assert_sealed(reset, progress=0)
    assert reset["nonce"] == ""

    assert_sealed(client.sys.submit_unseal_key(keys[1]), progress=1)
    # The same share twice is silently ignored, not counted and not an error.
    assert_sealed(client.sys.submit_unseal_key(keys[1]), progress=1)
    assert_sealed(client.sys.submit_unseal_key(keys[3]), progress=2)

    with pytest.raises(hvac.exceptions.InvalidRequest) as bad:
        client.sys.submit_unseal_key(forged_share(keys))
    # Reference: "unable to retrieve stored keys: invalid key: failed to decrypt keys from
    # storage: cipher: message authentication failed" (the tail is Go's AEAD wording).
    [message] = bad.value.errors
    assert message.startswith("unable to retrieve stored keys: invalid key")
    assert_sealed(client.sys.read_seal_status(), progress=0)

    assert client.sys.submit_unseal_keys(keys[2:5])["sealed"] is False


INIT_ERRORS = [
    pytest.param(3, 5, "threshold cannot be larger than shares", id="threshold>shares"),
    pytest.param(256, 3, "shares must be less than 256", id="shares=256"),
    pytest.param(0, 0, "shares must be at least one", id="shares=0"),
    pytest.param(1, 0, "threshold must be at least one", id="threshold=0"),
    pytest.param(5, 1, "threshold must be greater than one for multiple shares", id="t=1,n=5"),
]


@pytest.mark.parametrize(("shares", "threshold", "reason"), INIT_ERRORS)
def test_initialize_rejects_bad_seal_config(
    uninit_server: ServerProcess, shares: int, threshold: int, reason: str
) -> None:
    client = uninit_server.client()
    with pytest.raises(hvac.exceptions.InvalidRequest) as bad:
        client.sys.initialize(secret_shares=shares, secret_threshold=threshold)
    assert bad.value.errors == [f"invalid seal configuration: {reason}"]
    assert client.sys.is_initialized() is False


def test_initialize_with_empty_or_malformed_body(uninit_server: ServerProcess) -> None:
    empty = uninit_server.request("PUT", "/v1/sys/init", json={})
    assert empty.status_code == 400
    assert empty.json() == {"errors": ["invalid seal configuration: shares must be at least one"]}

    broken = uninit_server.request("PUT", "/v1/sys/init", data="{not json")
    assert broken.status_code == 400
    assert broken.headers["Content-Type"] == "application/json"
    [message] = broken.json()["errors"]
    # The rest is Go's decoder wording: "invalid character 'o' in literal null (expecting 'u')".
    assert message.startswith("failed to decode JSON input: ")
    assert uninit_server.client().sys.is_initialized() is False


UNSEAL_ERRORS = [
    pytest.param({"key": "zz"}, "'key' must be a valid hex or base64 string", id="not-hex-or-b64"),
    pytest.param({"key": "abcd"}, "Vault is not initialized", id="short-hex"),
]


@pytest.mark.parametrize(("body", "message"), UNSEAL_ERRORS)
def test_unseal_errors_before_init(
    uninit_server: ServerProcess, body: dict[str, str], message: str
) -> None:
    resp = uninit_server.request("PUT", "/v1/sys/unseal", json=body)
    assert (resp.status_code, resp.json()) == (400, {"errors": [message]})


SEALED_UNSEAL_ERRORS = [
    pytest.param({"key": "zz"}, "'key' must be a valid hex or base64 string", id="not-hex-or-b64"),
    pytest.param({"key": "abcd"}, "invalid key: key is shorter than minimum 16 bytes", id="hex"),
    pytest.param({"key": "YWJj"}, "invalid key: key is shorter than minimum 16 bytes", id="b64"),
    pytest.param(
        {}, "'key' must be specified in request body as JSON, or 'reset' set to true", id="no-key"
    ),
    pytest.param(
        {"key": ""},
        "'key' must be specified in request body as JSON, or 'reset' set to true",
        id="empty-key",
    ),
]


@pytest.mark.parametrize(("body", "message"), SEALED_UNSEAL_ERRORS)
def test_unseal_errors_while_sealed(
    sealed_server: ServerProcess, body: dict[str, str], message: str
) -> None:
    client = sealed_server.client()
    with pytest.raises(hvac.exceptions.InvalidRequest) as bad:
        client.adapter.put("/v1/sys/unseal", json=body)
    assert bad.value.errors == [message]
    assert_sealed(client.sys.read_seal_status(), progress=0)
