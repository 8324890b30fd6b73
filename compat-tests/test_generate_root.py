"""Generate root through hvac (sys/generate-root/*) and the bao CLI (which calls
OpenBao's authenticated sys/generate-root-token/*), against both servers.

Differences on purpose, said where they are asserted:
- token format: OpenBao mints ``s.`` + 24 characters (OTP length 26), pyvault
  Vault's ``hvs.`` + 24 (OTP length 28); the tests use ``otp_length``;
- cancelling an attempt without its nonce: Vault's documented fix for
  CVE-2026-5807 refuses it for ten minutes (pyvault: unless a sudo token is sent);
  OpenBao with the unauthenticated paths switched on cancels;
- wrong nonce on sys/generate-root-token/update: OpenBao 500 (multierror), pyvault 400.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from typing import Any

from harness import ServerProcess


def decode(encoded: str, otp: str) -> str:
    """What ``operator generate-root -decode`` does."""
    raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return bytes(a ^ b for a, b in zip(raw, otp.encode(), strict=True)).decode()


def prepared(server: ServerProcess) -> list[str]:
    server.initialize(shares=3, threshold=2)
    server.unseal()
    assert server.init is not None
    keys: list[str] = server.init["keys"]
    return keys


def put(server: ServerProcess, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    resp = server.request("PUT", f"/v1/sys/{path}", token=None, json=body)
    return resp.status_code, resp.json() if resp.content.strip() else None


def works_as_root(server: ServerProcess, token: str) -> None:
    resp = server.request("GET", "/v1/auth/token/lookup-self", token=token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["policies"] == ["root"]


def test_hvac_generate_root_with_server_otp(fresh_server: ServerProcess) -> None:
    keys = prepared(fresh_server)
    client = fresh_server.client(token=None)
    idle = client.sys.read_root_generation_progress()
    assert {k: idle[k] for k in ("nonce", "started", "progress", "required", "complete",
                                 "encoded_token", "encoded_root_token", "pgp_fingerprint",
                                 "otp")} == {
        "nonce": "", "started": False, "progress": 0, "required": 2, "complete": False,
        "encoded_token": "", "encoded_root_token": "", "pgp_fingerprint": "", "otp": ""}
    started = client.sys.start_root_token_generation()
    otp, nonce = started["otp"], started["nonce"]
    assert len(otp) == started["otp_length"] == idle["otp_length"]
    assert client.sys.read_root_generation_progress()["otp"] == ""  # shown once
    step = client.sys.generate_root(keys[0], nonce)
    assert (step["progress"], step["complete"], step["otp_length"]) == (1, False, 0)
    done = client.sys.generate_root(keys[2], nonce)
    assert (done["complete"], done["progress"]) == (True, 2)
    assert done["encoded_token"] == done["encoded_root_token"]
    works_as_root(fresh_server, decode(done["encoded_token"], otp))
    assert client.sys.read_root_generation_progress()["started"] is False


def test_generate_root_errors_and_operator_otp(fresh_server: ServerProcess) -> None:
    sealed = put(fresh_server, "generate-root/attempt", {})
    assert sealed == (503, {"errors": ["Vault is sealed"]})
    keys = prepared(fresh_server)
    otp_length = fresh_server.client().sys.read_root_generation_progress()["otp_length"]
    assert put(fresh_server, "generate-root/attempt", {"otp": "abc"}) == (
        400, {"errors": ["OTP string has incorrect length"]})
    otp = "k" * otp_length
    status, started = put(fresh_server, "generate-root/attempt", {"otp": otp})
    assert status == 200 and started["otp"] == ""
    nonce = started["nonce"]
    assert put(fresh_server, "generate-root/attempt", {}) == (
        400, {"errors": ["root generation already in progress for this namespace"]})
    assert put(fresh_server, "generate-root/update", {"key": keys[0]}) == (400, {"errors": [
        f'incorrect nonce supplied; nonce for this root generation operation is "{nonce}"']})
    assert put(fresh_server, "generate-root/update", {"key": "x", "nonce": nonce}) == (
        400, {"errors": ["'key' must be a valid hex or base64 string"]})
    assert put(fresh_server, "generate-root/update", {"key": keys[0], "nonce": nonce})[0] == 200
    assert put(fresh_server, "generate-root/update", {"key": keys[0], "nonce": nonce}) == (
        400, {"errors": ["given key has already been provided during this generation operation"]})
    forged = (os.urandom(32) + bytes([bytes.fromhex(keys[0])[-1] ^ 0xFF or 1])).hex()
    assert put(fresh_server, "generate-root/update", {"key": forged, "nonce": nonce}) == (
        400, {"errors": ["root generation aborted: unable to authenticate: unable to retrieve "
                         "stored keys: invalid key: failed to decrypt keys from storage: "
                         "cipher: message authentication failed"]})
    for key in keys[1:]:
        status, done = put(fresh_server, "generate-root/update", {"key": key, "nonce": nonce})
    assert done["complete"] is True
    works_as_root(fresh_server, decode(done["encoded_token"], otp))


def test_cancel_rules(fresh_server: ServerProcess) -> None:
    prepared(fresh_server)
    _, started = put(fresh_server, "generate-root/attempt", {})
    anonymous = fresh_server.request("DELETE", "/v1/sys/generate-root/attempt", token=None)
    if fresh_server.kind == "reference":
        assert anonymous.status_code == 204  # OpenBao: no nonce asked
        _, started = put(fresh_server, "generate-root/attempt", {})
    else:
        assert anonymous.status_code == 400  # Vault's documented rule (CVE-2026-5807)
        assert "nonce is required to cancel" in anonymous.json()["errors"][0]
    resp = fresh_server.request("DELETE", "/v1/sys/generate-root/attempt", token=None,
                                json={"nonce": started["nonce"]})
    assert resp.status_code == 204
    put(fresh_server, "generate-root/attempt", {})
    fresh_server.client().sys.cancel_root_generation()  # with a root token, no nonce
    assert fresh_server.client().sys.read_root_generation_progress()["started"] is False


def test_generate_root_token_paths_need_a_token(fresh_server: ServerProcess) -> None:
    prepared(fresh_server)
    for method in ("GET", "PUT", "DELETE"):
        resp = fresh_server.request(method, "/v1/sys/generate-root-token/attempt", token=None)
        assert (resp.status_code, resp.json()) == (403, {"errors": ["permission denied"]})
    resp = fresh_server.request("GET", "/v1/sys/generate-root-token/attempt")
    assert resp.status_code == 200
    assert resp.json()["data"]["started"] is False
    assert "encoded_token" not in resp.json()["data"]


def bao_json(server: ServerProcess, *args: str) -> dict[str, Any]:
    flags_first = (*args[:2], "-format=json", *args[2:])  # flags before the key share
    result: subprocess.CompletedProcess[str] = server.bao(*flags_first, token=server.token)
    assert result.returncode == 0, (result.stdout, result.stderr)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_cli_generate_root_and_decode(fresh_server: ServerProcess) -> None:
    keys = prepared(fresh_server)
    started = bao_json(fresh_server, "operator", "generate-root", "-init")
    otp, nonce = started["otp"], started["nonce"]
    assert len(otp) == started["otp_length"]
    status = bao_json(fresh_server, "operator", "generate-root", "-status")
    assert (status["started"], status["progress"], status["nonce"]) == (True, 0, nonce)
    bao_json(fresh_server, "operator", "generate-root", f"-nonce={nonce}", keys[1])
    done = bao_json(fresh_server, "operator", "generate-root", f"-nonce={nonce}", keys[2])
    assert done["complete"] is True
    decoded = bao_json(fresh_server, "operator", "generate-root",
                       f"-decode={done['encoded_token']}", f"-otp={otp}")
    works_as_root(fresh_server, decoded["token"])
    assert decoded["token"] == decode(done["encoded_token"], otp)

    bao_json(fresh_server, "operator", "generate-root", "-init")
    cancel = fresh_server.bao("operator", "generate-root", "-cancel", token=fresh_server.token)
    assert cancel.returncode == 0, cancel.stderr
    assert "Success! Root token generation canceled" in cancel.stdout
