"""Public-key-only import (`public_key` on keys/<name>/import and import_version) and the
`version` field of import_version, on pyvault and the reference. OpenBao answers import
failures with a 500 and a go-multierror text; pyvault keeps the text but answers 400."""

from __future__ import annotations

import base64
import os
from typing import Any

import hvac
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from harness import ServerProcess

MSG = b"public only"
INPUT = base64.b64encode(MSG).decode()
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def client(dev_server: ServerProcess) -> hvac.Client:
    root = dev_server.client()
    root.sys.enable_secrets_engine("transit", path="transit")
    return root


@pytest.fixture(scope="module")
def wrapping(client: hvac.Client, dev_server: ServerProcess) -> rsa.RSAPublicKey:
    resp = dev_server.request("GET", "/v1/transit/wrapping_key")
    key = serialization.load_pem_public_key(resp.json()["data"]["public_key"].encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def wrap(public: rsa.RSAPublicKey, key: PrivateKey) -> str:
    target = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    ephemeral = os.urandom(32)
    h = hashes.SHA256()
    blob = public.encrypt(ephemeral, padding.OAEP(padding.MGF1(h), h, None))
    return base64.b64encode(blob + aes_key_wrap_with_padding(ephemeral, target)).decode()


def pem(key: PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def post(server: ServerProcess, path: str, body: Any) -> tuple[int, Any]:
    resp = server.request("POST", f"/v1/transit/{path}", token="root", json=body)
    return resp.status_code, (resp.json() if resp.content else None)


def failure(server: ServerProcess, message: str) -> tuple[int, Any]:
    status = 400 if server.kind == "pyvault" else 500
    return status, {"errors": [f"1 error occurred:\n\t* {message}\n\n"]}


def signature(key_type: str, key: PrivateKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(MSG)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        raw = key.sign(MSG, ec.ECDSA(hashes.SHA256()))
    else:
        raw = key.sign(MSG, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    return "vault:v1:" + base64.b64encode(raw).decode()


def generate(key_type: str) -> PrivateKey:
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type.startswith("ecdsa"):
        curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}
        return ec.generate_private_key(curve[key_type.split("-")[1]])
    return rsa.generate_private_key(65537, int(key_type.split("-")[1]))


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
                                      "rsa-2048", "rsa-3072", "rsa-4096"])
def test_public_only_key_verifies_but_cannot_sign(
        client: hvac.Client, dev_server: ServerProcess, wrapping: rsa.RSAPublicKey,
        key_type: str) -> None:
    name = f"pub-{key_type}"
    key = generate(key_type)
    assert post(dev_server, f"keys/{name}/import", {"type": key_type,
                                                     "public_key": pem(key)}) == (204, None)
    read = client.secrets.transit.read_key(name)["data"]
    assert read["imported_key"] is True and read["latest_version"] == 1
    shown = read["keys"]["1"]["public_key"]
    if key_type == "ed25519":
        assert base64.b64decode(shown) == key.public_key().public_bytes_raw()  # type: ignore[union-attr]
    else:
        assert shown.strip() == pem(key).strip()
    exported = dev_server.request("GET", f"/v1/transit/export/public-key/{name}",
                                  token="root").json()["data"]["keys"]["1"]
    assert exported.strip() == shown.strip()
    status, body = post(dev_server, f"verify/{name}", {"input": INPUT,
                                                       "signature": signature(key_type, key)})
    assert (status, body["data"]) == (200, {"valid": True})
    assert post(dev_server, f"sign/{name}", {"input": INPUT}) == failure(
        dev_server, "requested version for signing does not contain a private part")
    if key_type.startswith("rsa"):
        status, body = post(dev_server, f"encrypt/{name}", {"plaintext": INPUT})
        assert status == 200
        ciphertext = body["data"]["ciphertext"]
        raw = base64.b64decode(ciphertext.split(":", 2)[2])
        assert isinstance(key, rsa.RSAPrivateKey)
        assert key.decrypt(raw, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(),
                                             None)) == MSG
        assert post(dev_server, f"decrypt/{name}", {"ciphertext": ciphertext}) == failure(
            dev_server, "cannot decrypt ciphertext, key version does not have a private "
            "counterpart")
    # The private part of the same key fills the version in; then signing works.
    other = generate(key_type)
    assert post(dev_server, f"keys/{name}/import_version", {
        "ciphertext": wrap(wrapping, other), "version": 1}) == failure(
        dev_server, "cannot import key, key pair does not match")
    assert post(dev_server, f"keys/{name}/import_version", {
        "ciphertext": wrap(wrapping, key), "version": 1}) == (204, None)
    status, body = post(dev_server, f"sign/{name}", {"input": INPUT})
    assert status == 200
    status, body = post(dev_server, f"verify/{name}", {
        "input": INPUT, "signature": body["data"]["signature"]})
    assert body["data"] == {"valid": True}
    assert client.secrets.transit.read_key(name)["data"]["latest_version"] == 1
    assert post(dev_server, f"keys/{name}/import_version", {
        "ciphertext": wrap(wrapping, key), "version": 1}) == failure(
        dev_server, "private key imported, key version cannot be updated")


def test_import_version_public_then_private(client: hvac.Client, dev_server: ServerProcess,
                                            wrapping: rsa.RSAPublicKey) -> None:
    k1, k2 = generate("ecdsa-p256"), generate("ecdsa-p256")
    assert post(dev_server, "keys/iv/import", {"type": "ecdsa-p256",
                                               "public_key": pem(k1)}) == (204, None)
    assert post(dev_server, "keys/iv/import_version", {"public_key": pem(k2)}) == (204, None)
    assert client.secrets.transit.read_key("iv")["data"]["latest_version"] == 2
    assert post(dev_server, "keys/iv/import_version", {"public_key": pem(k2),
                                                       "version": 2}) == failure(
        dev_server, "cannot add a public key to a key version that already has a public key "
        "set")
    for version in (0, -1, 3):
        assert post(dev_server, "keys/iv/import_version", {
            "ciphertext": wrap(wrapping, k2), "version": version}) == failure(
            dev_server, "no such key version")
    # ciphertext wins over public_key when both are given
    assert post(dev_server, "keys/iv/import_version", {
        "ciphertext": wrap(wrapping, k2), "public_key": pem(k1), "version": 2}) == (204, None)
    status, body = post(dev_server, "sign/iv", {"input": INPUT, "key_version": 2})
    assert status == 200 and body["data"]["signature"].startswith("vault:v2:")
    assert post(dev_server, "sign/iv", {"input": INPUT, "key_version": 1}) == failure(
        dev_server, "requested version for signing does not contain a private part")
    assert post(dev_server, "keys/iv/import_version", {"public_key": pem(generate(
        "rsa-2048"))}) == failure(
        dev_server, "invalid key type: expected ecdsa-p256, got *rsa.PublicKey")


def test_public_import_errors(client: hvac.Client, dev_server: ServerProcess,
                              wrapping: rsa.RSAPublicKey) -> None:
    p256, rsa2048 = generate("ecdsa-p256"), generate("rsa-2048")
    edkey = generate("ed25519")
    for key_type in ("aes256-gcm96", "hmac"):
        assert post(dev_server, "keys/bad/import", {"type": key_type,
                                                    "public_key": pem(p256)}) == failure(
            dev_server, "provided type does not support public_key import")
    cases = [
        ({"type": "ecdsa-p256", "public_key": "garbage"},
         "error importing key: error parsing public key: not in PEM format"),
        ({"type": "ecdsa-p256"},
         "error importing key: error parsing public key: not in PEM format"),
        ({"type": "ecdsa-p256", "public_key": pem(rsa2048)},
         "error importing key: invalid key type: expected ecdsa-p256, got *rsa.PublicKey"),
        ({"type": "ed25519", "public_key": pem(p256)},
         "error importing key: invalid key type: expected ed25519, got *ecdsa.PublicKey"),
        ({"type": "ecdsa-p384", "public_key": pem(p256)},
         "error importing key: invalid curve: expected P-384, got P-256"),
        ({"type": "rsa-3072", "public_key": pem(rsa2048)},
         "error importing key: invalid key size: expected 384 bytes, got 256 bytes"),
        ({"type": "ed25519", "public_key": pem(edkey), "derived": True},
         "error importing key: unable to import only public key for derived Ed25519 key: "
         "imported key should not be an Ed25519 key pair but is instead an HKDF key"),
        ({"type": "ecdsa-p256", "public_key": pem(p256), "ciphertext": "AAAA"},
         "provided ciphertext is too short"),
    ]
    for body, message in cases:
        assert post(dev_server, "keys/bad/import", body) == failure(dev_server, message), body
    status, _ = post(dev_server, "keys/bad/import_version", {"public_key": pem(p256),
                                                             "version": "abc"})
    assert status == 400
    assert post(dev_server, "keys/nope/import_version", {"public_key": pem(p256)}) == failure(
        dev_server, "no key found with name nope; to import a new key, use the import/ "
        "endpoint")
    # A private import can't be overwritten, and symmetric keys have no versions to fill.
    assert post(dev_server, "keys/priv/import", {"type": "ecdsa-p256",
                                                 "ciphertext": wrap(wrapping, p256)}) == \
        (204, None)
    assert post(dev_server, "keys/priv/import_version", {"public_key": pem(p256),
                                                         "version": 1}) == failure(
        dev_server, "private key imported, key version cannot be updated")
    material = os.urandom(32)
    ephemeral = os.urandom(32)
    h = hashes.SHA256()
    blob = wrapping.encrypt(ephemeral, padding.OAEP(padding.MGF1(h), h, None))
    ct = base64.b64encode(blob + aes_key_wrap_with_padding(ephemeral, material)).decode()
    assert post(dev_server, "keys/sym/import", {"ciphertext": ct}) == (204, None)
    assert post(dev_server, "keys/sym/import_version", {"ciphertext": ct,
                                                        "version": 1}) == failure(
        dev_server, "provided type does not support importing key versions")
    assert post(dev_server, "keys/sym/import_version", {"public_key": pem(p256)}) == failure(
        dev_server, "provided type does not support public_key import")
    assert post(dev_server, "keys/sym/import_version", {"public_key": pem(p256),
                                                        "version": 1}) == failure(
        dev_server, "provided type does not support public_key import")
    assert post(dev_server, "keys/sym/import_version", {"ciphertext": "AAAA",
                                                        "version": 9}) == failure(
        dev_server, "provided ciphertext is too short")


def test_import_version_errors_on_public_only_keys(client: hvac.Client,
                                                   dev_server: ServerProcess,
                                                   wrapping: rsa.RSAPublicKey) -> None:
    p256, rsa2048 = generate("ecdsa-p256"), generate("rsa-2048")
    assert post(dev_server, "keys/ivp/import", {"type": "ecdsa-p256",
                                                "public_key": pem(p256)}) == (204, None)
    for body in ({"public_key": "garbage"}, {}):
        assert post(dev_server, "keys/ivp/import_version", body) == failure(
            dev_server, "error parsing public key: not in PEM format")
    assert post(dev_server, "keys/ivp/import_version", {"version": 1}) == failure(
        dev_server, "cannot add a public key to a key version that already has a public key "
        "set")
    assert post(dev_server, "keys/ivp/import_version", {
        "public_key": pem(generate("ecdsa-p384"))}) == failure(
        dev_server, "invalid curve: expected P-256, got P-384")
    assert post(dev_server, "keys/ivr/import", {"type": "rsa-2048",
                                                "public_key": pem(rsa2048)}) == (204, None)
    assert post(dev_server, "keys/ivr/import_version", {
        "public_key": pem(generate("rsa-3072"))}) == failure(
        dev_server, "invalid key size: expected 256 bytes, got 384 bytes")
    assert post(dev_server, "keys/ivr/import_version", {
        "ciphertext": wrap(wrapping, generate("rsa-3072")), "version": 1}) == failure(
        dev_server, "cannot import key, key pair does not match")


def test_public_only_exports_empty_private_parts(client: hvac.Client,
                                                 dev_server: ServerProcess) -> None:
    key = generate("rsa-2048")
    assert post(dev_server, "keys/exp/import", {"type": "rsa-2048", "public_key": pem(key),
                                                "exportable": True}) == (204, None)
    signing = client.secrets.transit.export_key("exp", "signing-key")["data"]["keys"]
    assert signing == {"1": ""}


def test_public_only_key_backup_restores_and_verifies(client: hvac.Client,
                                                      dev_server: ServerProcess) -> None:
    key = generate("ecdsa-p256")
    assert post(dev_server, "keys/bk/import", {
        "type": "ecdsa-p256", "public_key": pem(key), "exportable": True,
        "allow_plaintext_backup": True}) == (204, None)
    backup = client.secrets.transit.backup_key("bk")["data"]["backup"]
    assert post(dev_server, "restore/bk2", {"backup": backup}) == (204, None)
    status, body = post(dev_server, "verify/bk2", {"input": INPUT,
                                                   "signature": signature("ecdsa-p256", key)})
    assert (status, body["data"]) == (200, {"valid": True})
    assert post(dev_server, "sign/bk2", {"input": INPUT}) == failure(
        dev_server, "requested version for signing does not contain a private part")
