"""Rekey as an hvac user sees it, with the error answers read off OpenBao 2.7.2.

Where the two servers differ on purpose the test says which and why:
- a bad rekey configuration or wrong shares: OpenBao answers 500, pyvault 400
  (the caller's mistake, never a server error);
- cancelling without the nonce: HashiCorp Vault's documentation (≥ 1.17.18, the fix
  for CVE-2025-4656) requires the nonce for an attempt younger than ten minutes;
  OpenBao instead switches the unauthenticated paths off and, with them switched
  on, cancels without it. pyvault follows Vault (a sudo token also suffices).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from harness import ServerProcess

NOT_INITIAL = {"nonce": "", "started": False, "t": 0, "n": 0, "progress": 0, "required": 2,
               "pgp_fingerprints": None, "backup": False, "verification_required": False}


def prepared(server: ServerProcess) -> list[str]:
    server.initialize(shares=3, threshold=2)
    server.unseal()
    assert server.init is not None
    keys: list[str] = server.init["keys"]
    return keys


def put(server: ServerProcess, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    resp = server.request("PUT", f"/v1/sys/{path}", token=None, json=body)
    return resp.status_code, resp.json() if resp.content.strip() else None


def bad_input_status(server: ServerProcess) -> int:
    return 500 if server.kind == "reference" else 400


def test_hvac_rekey_round_trip(fresh_server: ServerProcess) -> None:
    old = prepared(fresh_server)
    client = fresh_server.client()
    assert client.sys.read_rekey_progress() == NOT_INITIAL
    started = client.sys.start_rekey(secret_shares=5, secret_threshold=3)
    assert {k: started[k] for k in ("started", "t", "n", "progress", "required")} == {
        "started": True, "t": 3, "n": 5, "progress": 0, "required": 2}
    assert client.sys.read_rekey_progress() == started
    done = client.sys.rekey_multi(old[:2], nonce=started["nonce"])
    assert set(done) == {"nonce", "complete", "keys", "keys_base64", "pgp_fingerprints",
                         "backup", "verification_required"}
    assert done["complete"] is True and len(done["keys"]) == 5
    assert client.sys.read_rekey_progress() == {**NOT_INITIAL, "required": 3}
    assert client.sys.read_seal_status()["t"] == 3

    client.sys.seal()
    for key in old[:2]:
        assert put(fresh_server, "unseal", {"key": key})[0] == 200
    status, body = put(fresh_server, "unseal", {"key": old[2]})  # the third old share
    assert (status, body) == (400, {"errors": [
        "unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: "
        "cipher: message authentication failed"]})
    for key in done["keys_base64"][1:4]:
        status, body = put(fresh_server, "unseal", {"key": key})
    assert body["sealed"] is False


def test_rekey_errors(fresh_server: ServerProcess) -> None:
    sealed, body = put(fresh_server, "rekey/init", {"secret_shares": 3, "secret_threshold": 2})
    assert (sealed, body) == (503, {"errors": ["Vault is sealed"]})
    old = prepared(fresh_server)
    status, body = put(fresh_server, "rekey/update", {"key": old[0]})
    assert (status, body) == (400, {"errors": ["no barrier rekey in progress"]})
    status, body = put(fresh_server, "rekey/init", {"secret_shares": 3, "secret_threshold": 1})
    assert status == bad_input_status(fresh_server)
    assert body == {"errors": ["invalid rekey seal configuration: threshold must be greater "
                               "than one for multiple shares"]}
    for request, message in (
        ({"secret_shares": 1, "secret_threshold": 1, "pgp_keys": ["a", "b"]},
         "incorrect number of PGP keys for rekey"),
        ({"secret_shares": 2, "secret_threshold": 2, "backup": True},
         "cannot request a backup of the new keys without providing PGP keys for encryption"),
        ({"secret_shares": "x"}, "failed to decode JSON input: json: cannot unmarshal string "
         "into Go struct field RekeyRequest.secret_shares of type int"),
    ):
        assert put(fresh_server, "rekey/init", request) == (400, {"errors": [message]})

    status, started = put(fresh_server, "rekey/init", {"secret_shares": 3, "secret_threshold": 2})
    nonce = started["nonce"]
    assert put(fresh_server, "rekey/init", {"secret_shares": 3, "secret_threshold": 2}) == (
        400, {"errors": ["rekey already in progress"]})
    wrong_nonce = ("incorrect nonce supplied; nonce for this rekey operation is "
                   f'"{nonce}"')
    assert put(fresh_server, "rekey/update", {"key": old[0]}) == (400, {"errors": [wrong_nonce]})
    for key, message in (("", "'key' must be specified in request body as JSON"),
                         ("zz", "'key' must be a valid hex or base64 string"),
                         ("abcd", "key is shorter than minimum 16 bytes")):
        assert put(fresh_server, "rekey/update", {"key": key, "nonce": nonce}) == (
            400, {"errors": [message]})
    assert put(fresh_server, "rekey/update", {"key": old[0], "nonce": nonce})[0] == 200
    assert put(fresh_server, "rekey/update", {"key": old[0], "nonce": nonce}) == (
        400, {"errors": ["given key has already been provided during this generation operation"]})
    taken = bytes.fromhex(old[0])[-1]
    forged = (os.urandom(32) + bytes([taken ^ 0xFF or 1])).hex()
    status, body = put(fresh_server, "rekey/update", {"key": forged, "nonce": nonce})
    assert status == bad_input_status(fresh_server)
    assert body == {"errors": ["failed to read root key: invalid key: failed to decrypt keys "
                               "from storage: cipher: message authentication failed"]}
    progress = fresh_server.client().sys.read_rekey_progress()
    assert (progress["nonce"], progress["progress"]) == (nonce, 0)


def test_rekey_verification_errors(fresh_server: ServerProcess) -> None:
    old = prepared(fresh_server)
    client = fresh_server.client()
    resp = fresh_server.request("GET", "/v1/sys/rekey/verify", token=None)
    assert (resp.status_code, resp.json()) == (400, {"errors": ["no rekey configuration found"]})
    started = client.sys.start_rekey(secret_shares=2, secret_threshold=2,
                                     require_verification=True)
    done = client.sys.rekey_multi(old[:2], nonce=started["nonce"])
    vnonce = done["verification_nonce"]
    assert client.sys.read_rekey_progress()["verification_nonce"] == vnonce
    status, body = put(fresh_server, "rekey/verify", {"key": done["keys"][0], "nonce": "x"})
    assert (status, body) == (400, {"errors": [
        f'incorrect nonce supplied; nonce for this verify operation is "{vnonce}"']})
    client.sys.rekey_verify(old[0], vnonce)
    status, body = put(fresh_server, "rekey/verify", {"key": done["keys"][0], "nonce": vnonce})
    assert (status, body) == (400, {"errors": [
        "rekey verification failed; incorrect key shares supplied"]})
    fresh = client.sys.read_rekey_verify_progress()
    assert fresh["nonce"] != vnonce and fresh["progress"] == 0
    restarted = client.sys.cancel_rekey_verify()
    assert set(restarted) == {"nonce", "started", "t", "n", "progress"}
    assert restarted["nonce"] != fresh["nonce"]
    final = client.sys.rekey_verify_multi(done["keys"], restarted["nonce"])
    assert final == {"nonce": restarted["nonce"], "complete": True}
    assert client.sys.read_rekey_progress()["started"] is False


@pytest.mark.parametrize("how", ["body", "query", "token"])
def test_cancel_with_the_nonce_or_a_token(fresh_server: ServerProcess, how: str) -> None:
    prepared(fresh_server)
    started = fresh_server.client().sys.start_rekey(secret_shares=3, secret_threshold=2)
    nonce = started["nonce"]
    anonymous = fresh_server.request("DELETE", "/v1/sys/rekey/init", token=None)
    if fresh_server.kind == "reference":
        assert anonymous.status_code == 204  # OpenBao: cancelled, no nonce asked
        fresh_server.client().sys.start_rekey(secret_shares=3, secret_threshold=2)
        nonce = fresh_server.client().sys.read_rekey_progress()["nonce"]
    else:
        assert anonymous.status_code == 400  # Vault's documented rule
        assert "nonce is required to cancel" in anonymous.json()["errors"][0]
        assert fresh_server.client().sys.read_rekey_progress()["started"] is True
    if how == "body":
        resp = fresh_server.request("DELETE", "/v1/sys/rekey/init", token=None,
                                    json={"nonce": nonce})
        assert resp.status_code == 204
    elif how == "query":
        resp = fresh_server.request("DELETE", f"/v1/sys/rekey/init?nonce={nonce}", token=None)
        assert resp.status_code == 204
    else:
        fresh_server.client().sys.cancel_rekey()  # hvac sends its token, not the nonce
    assert fresh_server.client().sys.read_rekey_progress()["started"] is False


def test_rekey_backup_needs_a_token(fresh_server: ServerProcess) -> None:
    prepared(fresh_server)
    resp = fresh_server.request("GET", "/v1/sys/rekey/backup", token=None)
    assert (resp.status_code, resp.json()) == (403, {"errors": ["permission denied"]})
    resp = fresh_server.request("GET", "/v1/sys/rekey/backup")
    assert (resp.status_code, resp.json()) == (400, {"errors": ["no backed-up keys found"]})
    assert fresh_server.request("DELETE", "/v1/sys/rekey/backup").status_code == 204


@pytest.mark.parametrize(("method", "path", "status", "errors"), [
    ("LIST", "sys/rekey/init", 405, []),
    ("PATCH", "sys/rekey/verify", 405, []),
    ("LIST", "sys/generate-root/attempt", 405, []),
    ("GET", "sys/rekey/update", 400, ["'key' must be specified in request body as JSON"]),
    ("LIST", "sys/generate-root/update", 400,
     ["'key' must be specified in request body as JSON"]),
    ("LIST", "sys/rekey/backup", 404, ["1 error occurred:\n\t* unsupported path\n\n"]),
    ("PATCH", "sys/rotate/config", 405, ["1 error occurred:\n\t* unsupported operation\n\n"]),
    ("GET", "sys/generate-root-token/update", 405,
     ["1 error occurred:\n\t* unsupported operation\n\n"]),
])
def test_methods_the_paths_lack(fresh_server: ServerProcess, method: str, path: str,
                                status: int, errors: list[str]) -> None:
    prepared(fresh_server)
    headers = {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else {}
    resp = fresh_server.request(method, f"/v1/{path}", headers=headers)
    assert (resp.status_code, resp.json()) == (status, {"errors": errors})
