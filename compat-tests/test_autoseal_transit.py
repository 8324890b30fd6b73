"""Auto-unseal through transit, against pyvault AND the reference: a dev server holds
the transit key (pyvault or the reference), the server under test is configured with
``seal "transit"``. Init hands out recovery keys and unseals at once; seal-status says
so; recovery keys unseal after sys/seal, authorise generate-root and both rekeys."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Reaper, ServerProcess, selected_kinds, transit_seal_hcl

MISMATCH = "recovery key does not match submitted values"


@pytest.fixture(params=selected_kinds())
def sealed_by_transit(
    request: pytest.FixtureRequest, key_holder: ServerProcess, tmp_path: Path, _reaper: Reaper
) -> Iterator[ServerProcess]:
    server = ServerProcess(kind=request.param, workdir=tmp_path / request.param)
    server.extra_hcl = transit_seal_hcl(key_holder)
    server.start()
    try:
        yield server
    finally:
        _reaper.release(server)


def initialized(server: ServerProcess, shares: int = 3, threshold: int = 2) -> list[str]:
    answer = server.request("PUT", "/v1/sys/init", json={
        "recovery_shares": shares, "recovery_threshold": threshold}).json()
    server.token = answer["root_token"]
    assert answer["keys"] == [] and answer["keys_base64"] == []
    assert len(answer["recovery_keys"]) == shares
    for hex_key, b64_key in zip(answer["recovery_keys"], answer["recovery_keys_base64"],
                                strict=True):
        assert base64.b64decode(b64_key) == bytes.fromhex(hex_key)
    return list(answer["recovery_keys"])


def test_seal_status_before_and_after_init(sealed_by_transit: ServerProcess) -> None:
    server = sealed_by_transit
    before = server.request("GET", "/v1/sys/seal-status").json()
    assert {k: before[k] for k in ("type", "initialized", "sealed", "t", "n", "recovery_seal",
                                   "recovery_seal_type")} == {
        "type": "transit", "initialized": False, "sealed": True, "t": 0, "n": 0,
        "recovery_seal": True, "recovery_seal_type": "shamir"}
    initialized(server)
    after = server.request("GET", "/v1/sys/seal-status").json()
    assert (after["sealed"], after["t"], after["n"], after["type"]) == (False, 2, 3, "transit")
    assert server.client().sys.is_initialized() is True


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"secret_shares": 3, "secret_threshold": 2},
         "parameters secret_shares,secret_threshold not applicable to seal type transit"),
        ({"recovery_shares": 1, "recovery_threshold": 1, "pgp_keys": ["x"]},
         "parameters pgp_keys not applicable to seal type transit"),
        ({"recovery_shares": 3, "recovery_threshold": 4},
         "invalid recovery configuration: threshold cannot be larger than shares"),
        ({"recovery_shares": 2, "recovery_threshold": 1},
         "invalid recovery configuration: threshold must be greater than one for multiple "
         "shares"),
        ({"recovery_shares": 3, "recovery_threshold": 2, "recovery_pgp_keys": ["x"]},
         "invalid recovery configuration: count mismatch between number of provided PGP keys "
         "and number of shares"),
    ],
)
def test_init_refusals(sealed_by_transit: ServerProcess, body: dict[str, object],
                       error: str) -> None:
    answer = sealed_by_transit.request("PUT", "/v1/sys/init", json=body)
    assert (answer.status_code, answer.json()) == (400, {"errors": [error]})


def test_recovery_keys_unseal_after_sys_seal(sealed_by_transit: ServerProcess) -> None:
    server = sealed_by_transit
    keys = initialized(server)
    client = server.client()
    client.sys.seal()
    assert client.sys.read_seal_status()["sealed"] is True
    first = client.sys.submit_unseal_key(keys[2])
    assert (first["sealed"], first["progress"], first["t"]) == (True, 1, 2)
    done = client.sys.submit_unseal_key(keys[0])
    assert done["sealed"] is False


def test_generate_root_with_recovery_keys(sealed_by_transit: ServerProcess) -> None:
    server = sealed_by_transit
    keys = initialized(server)
    begun = server.request("PUT", "/v1/sys/generate-root/attempt", json={}).json()
    assert (begun["required"], begun["started"]) == (2, True)
    update = {"key": keys[0], "nonce": begun["nonce"]}
    assert server.request("PUT", "/v1/sys/generate-root/update", json=update).status_code == 200
    share = bytes.fromhex(keys[1])
    forged = (bytes([share[0] ^ 0xFF]) + share[1:]).hex()  # same x, other value
    refused = server.request("PUT", "/v1/sys/generate-root/update",
                             json={"key": forged, "nonce": begun["nonce"]})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        f"root generation aborted: unable to authenticate: recovery key verification "
        f"failed: {MISMATCH}"]
    status = server.request("GET", "/v1/sys/generate-root/attempt").json()
    assert (status["started"], status["progress"]) == (True, 0)  # emptied, not ended
    for key in keys[:2]:
        answer = server.request("PUT", "/v1/sys/generate-root/update",
                                json={"key": key, "nonce": begun["nonce"]}).json()
    assert answer["complete"] is True
    raw = base64.b64decode(answer["encoded_token"] + "==")
    token = bytes(a ^ b for a, b in zip(raw, begun["otp"].encode(), strict=True)).decode()
    looked = server.request("GET", "/v1/auth/token/lookup-self", token=token)
    assert looked.status_code == 200 and looked.json()["data"]["policies"] == ["root"]


def test_recovery_rekey_with_verification(sealed_by_transit: ServerProcess) -> None:
    server = sealed_by_transit
    keys = initialized(server)
    begun = server.request("PUT", "/v1/sys/rekey-recovery-key/init", json={
        "secret_shares": 3, "secret_threshold": 2, "require_verification": True}).json()
    assert (begun["t"], begun["n"], begun["required"], begun["verification_required"]) == (
        2, 3, 2, True)
    wrong_nonce = server.request("PUT", "/v1/sys/rekey-recovery-key/update",
                                 json={"key": keys[0], "nonce": "nope"})
    assert wrong_nonce.json()["errors"] == [
        f'incorrect nonce supplied; nonce for this rekey operation is "{begun["nonce"]}"']
    answer: dict[str, object] = {}
    for key in keys[:2]:
        answer = server.request("PUT", "/v1/sys/rekey-recovery-key/update",
                                json={"key": key, "nonce": begun["nonce"]}).json()
    assert answer["complete"] is True and answer["verification_required"] is True
    new = answer["keys"]
    assert isinstance(new, list) and len(new) == 3
    verify = server.request("GET", "/v1/sys/rekey-recovery-key/verify").json()
    assert (verify["started"], verify["t"], verify["n"], verify["progress"]) == (True, 2, 3, 0)
    for key in new[:2]:
        done = server.request("PUT", "/v1/sys/rekey-recovery-key/verify",
                              json={"key": key, "nonce": verify["nonce"]}).json()
    assert done["complete"] is True
    # The old recovery keys no longer authorise anything.
    again = server.request("PUT", "/v1/sys/rekey-recovery-key/init",
                           json={"secret_shares": 1, "secret_threshold": 1}).json()
    server.request("PUT", "/v1/sys/rekey-recovery-key/update",
                   json={"key": keys[0], "nonce": again["nonce"]})
    refused = server.request("PUT", "/v1/sys/rekey-recovery-key/update",
                             json={"key": keys[1], "nonce": again["nonce"]})
    assert (refused.status_code, refused.json()["errors"]) == (
        400, [f"recovery key verification failed: {MISMATCH}"])


def test_barrier_rekey_with_recovery_keys(sealed_by_transit: ServerProcess) -> None:
    server = sealed_by_transit
    keys = initialized(server)
    for body, error in (
        ({"require_verification": True},
         "requiring verification not supported when rekeying the barrier key with recovery "
         "keys"),
        ({"pgp_keys": ["x"]},
         "PGP key encryption not supported when rekeying the barrier key with recovery keys"),
    ):
        refused = server.request("PUT", "/v1/sys/rekey/init",
                                 json={"secret_shares": 1, "secret_threshold": 1, **body})
        assert (refused.status_code, refused.json()) == (400, {"errors": [error]})
    begun = server.request("PUT", "/v1/sys/rekey/init",
                           json={"secret_shares": 3, "secret_threshold": 2}).json()
    assert (begun["t"], begun["n"], begun["required"]) == (0, 0, 2)
    for key in keys[:2]:
        answer = server.request("PUT", "/v1/sys/rekey/update",
                                json={"key": key, "nonce": begun["nonce"]}).json()
    assert answer == {"nonce": begun["nonce"], "complete": True, "keys": [],
                      "keys_base64": [], "pgp_fingerprints": None, "backup": False,
                      "verification_required": False}
    # Still serving, and a seal/unseal with the recovery keys still works.
    client = server.client()
    assert client.sys.read_health_status(method="GET")["sealed"] is False
    client.sys.seal()
    client.sys.submit_unseal_keys(keys[:2])
    assert client.sys.read_seal_status()["sealed"] is False


def test_recovery_backup_needs_a_capability(sealed_by_transit: ServerProcess) -> None:
    """The reference checks the token's policy here, but (unlike sys/rekey/backup)
    asks for no sudo."""
    server = sealed_by_transit
    initialized(server)
    empty = server.request("GET", "/v1/sys/rekey/recovery-key-backup")
    assert (empty.status_code, empty.json()) == (400, {"errors": ["no backed-up keys found"]})
    server.request("PUT", "/v1/sys/policies/acl/reader",
                   json={"policy": 'path "sys/rekey/*" { capabilities = ["read"] }'})
    reader, weak = (server.request("POST", "/v1/auth/token/create", json={
        "policies": [policy]}).json()["auth"]["client_token"] for policy in ("reader", "default"))
    allowed = server.request("GET", "/v1/sys/rekey/recovery-key-backup", token=reader)
    assert allowed.json() == {"errors": ["no backed-up keys found"]}
    refused = server.request("GET", "/v1/sys/rekey/recovery-key-backup", token=weak)
    assert refused.status_code == 403 and "permission denied" in refused.json()["errors"][0]
    anonymous = server.request("DELETE", "/v1/sys/rekey/recovery-key-backup", token=None)
    assert anonymous.status_code == 403


@pytest.mark.parametrize("path", ["init", "update", "verify"])
def test_recovery_rekey_paths_do_not_exist_with_shamir(dev_server: ServerProcess,
                                                      path: str) -> None:
    answer = dev_server.request("PUT", f"/v1/sys/rekey-recovery-key/{path}",
                                json={"secret_shares": 1, "secret_threshold": 1})
    assert (answer.status_code, answer.json()) == (404, {"errors": ["unsupported path"]})
    status = dev_server.request("GET", "/v1/sys/seal-status").json()
    assert (status["type"], status["recovery_seal"]) == ("shamir", False)
    assert "recovery_seal_type" not in status


@pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG (gpg)")
def test_recovery_keys_encrypted_to_pgp_keys(sealed_by_transit: ServerProcess,
                                             tmp_path: Path) -> None:
    """recovery_pgp_keys: each recovery share comes back encrypted to its operator;
    GnuPG decrypts it to the hex share, which unseals after sys/seal."""
    from test_rekey_pgp import Keyring

    ring = Keyring(tmp_path / "gpg", ["carol"])
    server = sealed_by_transit
    answer = server.request("PUT", "/v1/sys/init", json={
        "recovery_shares": 1, "recovery_threshold": 1,
        "recovery_pgp_keys": [ring.b64("carol")]}).json()
    server.token = answer["root_token"]
    (encrypted,) = answer["recovery_keys_base64"]
    share = ring.decrypt_b64(encrypted)
    assert len(bytes.fromhex(share)) == 32
    client = server.client()
    client.sys.seal()
    assert client.sys.submit_unseal_key(share)["sealed"] is False
