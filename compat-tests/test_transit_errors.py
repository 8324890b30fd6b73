"""Transit bad input on pyvault and the reference: status codes and error texts
(per item in batches) as OpenBao 2.7.2 gives them, never a 500 from pyvault.

Where HashiCorp Vault and OpenBao differ we follow Vault, and the test says so.
"""

from __future__ import annotations

import base64
from typing import Any

import hvac
import pytest
from harness import ServerProcess

PT = base64.b64encode(b"hello transit").decode()
CTX = base64.b64encode(b"tenant-1").decode()


@pytest.fixture(scope="module")
def client(dev_server: ServerProcess) -> hvac.Client:
    root = dev_server.client()
    root.sys.enable_secrets_engine("transit", path="transit")
    return root


def post(server: ServerProcess, path: str, body: Any = None) -> tuple[int, Any]:
    resp = server.request("POST", f"/v1/transit/{path}", json=body or {})
    return resp.status_code, (resp.json() if resp.content else None)


@pytest.mark.parametrize(("body", "error"), [
    ({"ciphertext": "xx:v1:abc"}, "invalid ciphertext: no prefix"),
    ({"ciphertext": "vault:v9:abc"}, "invalid ciphertext: version is too new"),
    ({"ciphertext": "vault:vx:abc"}, "invalid ciphertext: version number could not be decoded"),
    ({"ciphertext": "vault:v1"}, "invalid ciphertext: wrong number of fields"),
    ({"ciphertext": "vault:v1:@@"}, "invalid ciphertext: could not decode base64"),
    ({"ciphertext": "vault:v1:AAAA"}, "invalid ciphertext length"),
    ({"ciphertext": "vault:v1:" + "A" * 40}, "cipher: message authentication failed"),
    ({}, "missing ciphertext to decrypt"),
])
def test_decrypt_errors(client: hvac.Client, dev_server: ServerProcess, body: Any,
                        error: str) -> None:
    client.secrets.transit.create_key("bad")
    assert post(dev_server, "decrypt/bad", body) == (400, {"errors": [error]})


def test_encrypt_errors(client: hvac.Client, dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("enc-err")
    assert post(dev_server, "encrypt/enc-err", {"plaintext": "@@"}) == (
        400, {"errors": ["illegal base64 data at input byte 0"]})
    assert post(dev_server, "encrypt/enc-err", {}) == (
        400, {"errors": ["missing plaintext to encrypt"]})
    assert post(dev_server, "encrypt/enc-err", {"plaintext": PT, "key_version": 5}) == (
        400, {"errors": ["requested version for encryption is higher than the latest key "
                         "version"]})
    assert post(dev_server, "decrypt/none", {"ciphertext": "vault:v1:AAAA"}) == (
        400, {"errors": ["encryption key not found"]})


def test_batches_report_errors_per_item(client: hvac.Client, dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("batch")
    status, body = post(dev_server, "encrypt/batch", {"batch_input": [
        {"plaintext": PT, "reference": "a"}, {"plaintext": "@@", "reference": "b"}]})
    results = body["data"]["batch_results"]
    assert status == 400
    assert results[1] == {"error": "illegal base64 data at input byte 0", "reference": "b"}
    ct = results[0]["ciphertext"]
    assert results[0]["reference"] == "a"
    status, body = post(dev_server, "decrypt/batch", {"batch_input": [
        {"ciphertext": ct}, {"ciphertext": "bad"}]})
    assert status == 400 and body["data"]["batch_results"] == [
        {"plaintext": PT, "reference": ""},
        {"plaintext": "", "error": "invalid ciphertext: no prefix", "reference": ""}]
    status, body = post(dev_server, "rewrap/batch", {"batch_input": [
        {"ciphertext": ct}, {"ciphertext": "bad"}]})
    assert status == 200
    assert body["data"]["batch_results"][1] == {"error": "invalid ciphertext: no prefix",
                                                "reference": ""}
    assert post(dev_server, "encrypt/batch", {"batch_input": []}) == (
        400, {"errors": ["missing batch input to process"]})
    encrypted = client.secrets.transit.encrypt_data(
        "batch", "", batch_input=[{"plaintext": PT}, {"plaintext": PT}])
    assert len(encrypted["data"]["batch_results"]) == 2


@pytest.mark.parametrize(("path", "body", "error"), [
    ("sign/opts-ec", {"input": PT, "marshaling_algorithm": "x"}, 'invalid marshaling type "x"'),
    ("sign/opts-ec", {"input": PT, "hash_algorithm": "x"}, 'invalid hash algorithm "x"'),
    ("sign/opts-ec", {"input": "@@"},
     "unable to decode input as base64: illegal base64 data at input byte 0"),
    ("sign/nokey", {"input": PT}, "signing key not found"),
    ("verify/opts-ec", {"input": PT, "signature": "vault:v1:AAAA"},
     "supplied signature is invalid"),
    ("verify/opts-ec", {"input": PT, "signature": "bad"}, "invalid signature: no prefix"),
    ("verify/opts-ec", {"input": PT},
     "neither a 'signature' nor an 'hmac' were given to verify"),
])
def test_sign_verify_errors(client: hvac.Client, dev_server: ServerProcess, path: str,
                            body: Any, error: str) -> None:
    client.secrets.transit.create_key("opts-ec", key_type="ecdsa-p256")
    assert post(dev_server, path, body) == (400, {"errors": [error]})


def test_sign_batch_and_unsupported_key(client: hvac.Client, dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("sb", key_type="ed25519")
    client.secrets.transit.create_key("sb-aes")
    status, body = post(dev_server, "sign/sb", {"batch_input": [{"input": PT},
                                                                {"input": "@@"}]})
    assert status == 200
    assert body["data"]["batch_results"][1] == {
        "key_version": 0, "reference": "",
        "error": "unable to decode input as base64: illegal base64 data at input byte 0"}
    assert post(dev_server, "sign/sb-aes", {"input": PT}) == (
        400, {"errors": ["key type aes256-gcm96 does not support signing"]})


def test_key_option_errors(client: hvac.Client, dev_server: ServerProcess) -> None:
    assert post(dev_server, "keys/e1", {"convergent_encryption": True}) == (
        400, {"errors": ["convergent encryption requires derivation to be enabled"]})
    assert post(dev_server, "keys/e2", {"type": "bogus"}) == (
        400, {"errors": ["unknown key type bogus"]})
    assert post(dev_server, "keys/e3", {"type": "hmac", "key_size": 16}) == (
        400, {"errors": ["invalid key_size 16"]})
    assert post(dev_server, "keys/e4", {"auto_rotate_period": "30s"}) == (
        400, {"errors": ["auto rotate period must be 0 to disable or at least an hour"]})
    client.secrets.transit.create_key("cfg")
    assert post(dev_server, "keys/cfg/config", {"min_decryption_version": 5}) == (
        400, {"errors": ["cannot set min decryption version of 5, latest key version is 1"]})
    assert post(dev_server, "keys/cfg/trim", {"min_available_version": 1}) == (
        400, {"errors": ["minimum available version cannot be set when minimum encryption "
                         "version is not set"]})
    assert post(dev_server, "keys/none/rotate") == (400, {"errors": ["key not found"]})
    assert post(dev_server, "keys/none/config", {}) == (
        400, {"errors": ["no existing key named none could be found"]})
    resp = dev_server.request("DELETE", "/v1/transit/keys/cfg")
    assert (resp.status_code, resp.json()) == (
        400, {"errors": ["error deleting policy cfg: deletion is not allowed for this key"]})


@pytest.mark.parametrize(("body", "expected"), [
    ({"salt_length": "abc"}, (400, ["salt length neither 'auto', 'hash', nor an int: abc"])),
    ({"salt_length": "-5"}, (400, ["salt length is invalid: -5"])),
    ({"hash_algorithm": "none"}, (400, ["hash_algorithm=none requires both prehashed=true "
                                        "and signature_algorithm=pkcs1v15"])),
    ({"salt_length": "100000"},
     (500, ["1 error occurred:\n\t* requested salt length 100000 is invalid\n\n"])),
    ({"prehashed": True},
     (500, ["1 error occurred:\n\t* crypto/rsa: input must be hashed with given hash\n\n"])),
])
def test_rsa_sign_option_errors(client: hvac.Client, dev_server: ServerProcess, body: Any,
                                expected: tuple[int, list[str]]) -> None:
    client.secrets.transit.create_key("rsa-opts", key_type="rsa-2048")
    status, answer = post(dev_server, "sign/rsa-opts", {"input": PT, **body})
    want_status, errors = expected
    if dev_server.kind == "pyvault" and want_status == 500:
        want_status = 400  # OpenBao's 500 for bad input; the same text with a 400 here
    assert (status, answer["errors"]) == (want_status, errors)


def test_ecdsa_signs_short_prehashed_input(client: hvac.Client,
                                           dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("ec-short", key_type="ecdsa-p384")
    body = {"input": base64.b64encode(b"ab").decode(), "prehashed": True}
    signature = post(dev_server, "sign/ec-short", body)[1]["data"]["signature"]
    assert post(dev_server, "verify/ec-short", {**body, "signature": signature})[1][
        "data"] == {"valid": True}
    none = {"input": base64.b64encode(b"\x01" * 32).decode(), "prehashed": True,
            "hash_algorithm": "none", "signature_algorithm": "pkcs1v15"}
    sig = post(dev_server, "sign/rsa-raw", none)
    assert sig[0] == 400  # no such key yet
    client.secrets.transit.create_key("rsa-raw", key_type="rsa-2048")
    sig = post(dev_server, "sign/rsa-raw", none)[1]["data"]["signature"]
    assert post(dev_server, "verify/rsa-raw", {**none, "signature": sig})[1]["data"] == {
        "valid": True}


def test_version_policy_and_context_errors(client: hvac.Client,
                                           dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    t.create_key("pol")
    old = t.encrypt_data("pol", PT)["data"]["ciphertext"]
    t.rotate_key("pol")
    t.rotate_key("pol")
    t.update_key_configuration("pol", min_decryption_version=2, min_encryption_version=3)
    too_old = (400, {"errors": ["ciphertext or signature version is disallowed by policy "
                                "(too old)"]})
    assert post(dev_server, "decrypt/pol", {"ciphertext": old}) == too_old
    assert post(dev_server, "rewrap/pol", {"ciphertext": old}) == too_old
    assert post(dev_server, "encrypt/pol", {"plaintext": PT, "key_version": 2}) == (
        400, {"errors": ["requested version for encryption is less than the minimum "
                         "encryption key version"]})
    assert post(dev_server, "encrypt/pol", {"plaintext": PT, "key_version": -1}) == (
        400, {"errors": ["requested version for encryption is negative"]})
    assert post(dev_server, "hmac/pol", {"input": PT, "key_version": 1}) == (
        400, {"errors": ["cannot generate HMAC: version is too old (disallowed by policy)"]})
    assert post(dev_server, "verify/pol", {"input": PT, "hmac": "vault:v1:AAAA"}) == (
        400, {"errors": ["cannot verify HMAC: version is too old (disallowed by policy)"]})
    t.create_key("ctx", derived=True)
    ct = t.encrypt_data("ctx", PT, context=CTX)["data"]["ciphertext"]
    assert post(dev_server, "decrypt/ctx", {"ciphertext": ct, "context": "Yg=="}) == (
        400, {"errors": ["cipher: message authentication failed"]})
    mixed = (400, {"errors": ["context should be set either in all the request blocks or in "
                              "none"]})
    for path, item in (("encrypt/ctx", {"plaintext": PT}), ("decrypt/ctx", {"ciphertext": ct}),
                       ("rewrap/ctx", {"ciphertext": ct})):
        assert post(dev_server, path, {"batch_input": [item, {**item, "context": CTX}]}) == mixed


def test_min_decryption_zero_is_forced_to_one(client: hvac.Client,
                                              dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("zero")
    status, body = post(dev_server, "keys/zero/config", {"min_decryption_version": 0})
    assert status == 200 and body["data"]["min_decryption_version"] == 1
    # Vault's text; OpenBao inserts "(prior to the OpenBao fork)".
    vault = "since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1"
    openbao = ("since Vault 0.3 (prior to the OpenBao fork), transit key numbering starts at "
               "1; forcing minimum to 1")
    assert body["warnings"] == [vault if dev_server.kind == "pyvault" else openbao]


def test_tampered_rsa_ciphertext(client: hvac.Client, dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("rsa-tamper", key_type="rsa-2048")
    ct = client.secrets.transit.encrypt_data("rsa-tamper", PT)["data"]["ciphertext"]
    status, body = post(dev_server, "decrypt/rsa-tamper", {"ciphertext": ct[:-6] + "AAAAAA"})
    assert body == {"errors": ["1 error occurred:\n\t* failed to RSA decrypt the ciphertext: "
                               "crypto/rsa: decryption error\n\n"]}
    assert status == (400 if dev_server.kind == "pyvault" else 500)


def test_verify_batch_needs_signatures_or_hmacs(client: hvac.Client,
                                                dev_server: ServerProcess) -> None:
    client.secrets.transit.create_key("vb", key_type="ed25519")
    assert post(dev_server, "verify/vb", {"batch_input": [{"input": PT}]}) == (
        400, {"errors": ["no batch_input elements have 'signature' or 'hmac'"]})


def test_nonce_on_a_plain_key(client: hvac.Client, dev_server: ServerProcess) -> None:
    """Vault documents `nonce` on encrypt and refuses it for non-convergent keys;
    OpenBao dropped the field, so it ignores it with a warning. We follow Vault."""
    client.secrets.transit.create_key("nonce")
    status, body = post(dev_server, "encrypt/nonce", {"plaintext": PT,
                                                      "nonce": "AAAAAAAAAAAAAAAA"})
    if dev_server.kind == "pyvault":
        assert (status, body) == (400, {"errors": ["nonce provided when not allowed"]})
    else:
        assert status == 200 and body["warnings"] == [
            "Endpoint ignored these unrecognized parameters: [nonce]"]


@pytest.mark.parametrize(("key_type", "error"), [
    ("ed25519", "unknown key type ed25519"), ("rsa-2048", "unknown key type rsa-2048"),
    ("ecdsa-p256", "key type ecdsa-p256 not supported for this operation"),
    ("hmac", "unknown key type hmac"),
])
def test_encrypt_upserts_only_aead_keys(client: hvac.Client, dev_server: ServerProcess,
                                        key_type: str, error: str) -> None:
    assert post(dev_server, f"encrypt/up-{key_type}", {"plaintext": PT, "type": key_type}) \
        == (400, {"errors": [error]})
    assert post(dev_server, "encrypt/up-conv", {"plaintext": PT,
                                                "convergent_encryption": True}) == (
        400, {"errors": ["convergent encryption requires derivation to be enabled, so context "
                         "is required"]})
    created = post(dev_server, "encrypt/up-conv2", {"plaintext": PT, "context": CTX,
                                                    "convergent_encryption": True})
    assert created[0] == 200
    read = client.secrets.transit.read_key("up-conv2")["data"]
    assert (read["derived"], read["convergent_encryption"]) == (True, True)
