"""Bring your own key (wrapping_key, keys/<name>/import, import_version) on pyvault and
the reference. OpenBao answers most import failures with a 500 and a go-multierror
text; pyvault keeps the text but answers 400 (bad input is never a 500)."""

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

PT = base64.b64encode(b"byok").decode()
DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}


@pytest.fixture(scope="module")
def client(dev_server: ServerProcess) -> hvac.Client:
    root = dev_server.client()
    root.sys.enable_secrets_engine("transit", path="transit")
    return root


@pytest.fixture(scope="module")
def wrapping(client: hvac.Client, dev_server: ServerProcess) -> rsa.RSAPublicKey:
    resp = dev_server.request("GET", "/v1/transit/wrapping_key")
    key = serialization.load_pem_public_key(resp.json()["data"]["public_key"].encode())
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 4096
    return key


def wrap(public: rsa.RSAPublicKey, target: bytes,
         hash_alg: hashes.HashAlgorithm | None = None) -> str:
    h = hash_alg or hashes.SHA256()
    ephemeral = os.urandom(32)
    blob = public.encrypt(ephemeral, padding.OAEP(padding.MGF1(h), h, None))
    return base64.b64encode(blob + aes_key_wrap_with_padding(ephemeral, target)).decode()


def post(server: ServerProcess, path: str, body: Any, token: str = "root") -> tuple[int, Any]:
    resp = server.request("POST", f"/v1/transit/{path}", token=token, json=body)
    return resp.status_code, (resp.json() if resp.content else None)


def failure(server: ServerProcess, message: str) -> tuple[int, Any]:
    status = 400 if server.kind == "pyvault" else 500
    return status, {"errors": [f"1 error occurred:\n\t* {message}\n\n"]}


def test_import_symmetric_key_encrypts_with_it(client: hvac.Client, dev_server: ServerProcess,
                                               wrapping: rsa.RSAPublicKey) -> None:
    material = os.urandom(32)
    assert post(dev_server, "keys/imp/import", {"ciphertext": wrap(wrapping, material),
                                                "exportable": True}) == (204, None)
    read = client.secrets.transit.read_key("imp")["data"]
    assert (read["imported_key"], read["imported_key_allow_rotation"]) == (True, False)
    exported = client.secrets.transit.export_key("imp", "encryption-key")["data"]["keys"]
    assert base64.b64decode(exported["1"]) == material
    ct = client.secrets.transit.encrypt_data("imp", PT)["data"]["ciphertext"]
    assert client.secrets.transit.decrypt_data("imp", ct)["data"]["plaintext"] == PT
    assert post(dev_server, "keys/imp/rotate", {}) == failure(
        dev_server, "imported key imp does not allow rotation within Vault")
    assert post(dev_server, "keys/imp/import", {"ciphertext": wrap(wrapping, material)}) == \
        failure(dev_server, "the import path cannot be used with an existing key; use "
                "import-version to rotate an existing imported key")
    assert post(dev_server, "keys/imp/import_version", {
        "ciphertext": wrap(wrapping, os.urandom(32))}) == (204, None)
    assert client.secrets.transit.read_key("imp")["data"]["latest_version"] == 2


def test_import_with_rotation_allowed(client: hvac.Client, dev_server: ServerProcess,
                                      wrapping: rsa.RSAPublicKey) -> None:
    body = {"ciphertext": wrap(wrapping, os.urandom(16), hashes.SHA1()),
            "hash_function": "SHA1", "type": "aes128-gcm96", "allow_rotation": True}
    assert post(dev_server, "keys/imp128/import", body) == (204, None)
    rotated = post(dev_server, "keys/imp128/rotate", {})
    assert rotated[0] == 200 and rotated[1]["data"]["latest_version"] == 2


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ed25519", "rsa-2048"])
def test_import_asymmetric_key_signs(client: hvac.Client, dev_server: ServerProcess,
                                     wrapping: rsa.RSAPublicKey, key_type: str) -> None:
    private: Any = (ec.generate_private_key(ec.SECP256R1()) if key_type == "ecdsa-p256"
                    else ed25519.Ed25519PrivateKey.generate() if key_type == "ed25519"
                    else rsa.generate_private_key(65537, 2048))
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    name = f"imp-{key_type}"
    assert post(dev_server, f"keys/{name}/import", {"ciphertext": wrap(wrapping, der),
                                                    "type": key_type}) == (204, None)
    signature = client.secrets.transit.sign_data(name, hash_input=PT)["data"]["signature"]
    raw = base64.b64decode(signature.split(":")[2])
    if key_type == "ed25519":
        private.public_key().verify(raw, b"byok")
    elif key_type == "ecdsa-p256":
        private.public_key().verify(raw, b"byok", ec.ECDSA(hashes.SHA256()))
    else:
        private.public_key().verify(raw, b"byok", padding.PSS(
            padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256())


def test_import_errors(client: hvac.Client, dev_server: ServerProcess,
                       wrapping: rsa.RSAPublicKey) -> None:
    key = os.urandom(32)
    assert post(dev_server, "keys/e/import", {"ciphertext": "@@"}) == failure(
        dev_server, "illegal base64 data at input byte 0")
    assert post(dev_server, "keys/e/import", {"ciphertext": "AAAA"}) == failure(
        dev_server, "provided ciphertext is too short")
    assert post(dev_server, "keys/e/import", {}) == failure(
        dev_server, "provided type does not support public_key import")
    assert post(dev_server, "keys/e/import", {"ciphertext": wrap(wrapping, key),
                                              "hash_function": "MD5"}) == (
        400, {"errors": ["unknown hash function: MD5"]})
    assert post(dev_server, "keys/e/import", {"ciphertext": wrap(wrapping, key),
                                              "hash_function": "SHA512"}) == failure(
        dev_server, "crypto/rsa: decryption error")
    assert post(dev_server, "keys/e/import", {"ciphertext": wrap(wrapping, os.urandom(16))}) \
        == failure(dev_server, "error importing key: invalid key size 16 bytes for key type "
                   "aes256-gcm96")
    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    assert post(dev_server, "keys/e/import", {"ciphertext": wrap(wrapping, der),
                                              "type": "ecdsa-p384"}) == failure(
        dev_server, "error importing key: invalid curve: expected P-384, got P-256")
    assert post(dev_server, "keys/nokey/import_version", {"ciphertext": wrap(wrapping, key)}) \
        == failure(dev_server, "no key found with name nokey; to import a new key, use the "
                   "import/ endpoint")
    client.secrets.transit.create_key("native")
    assert post(dev_server, "keys/native/import_version", {
        "ciphertext": wrap(wrapping, key)}) == failure(
        dev_server, "the import_version endpoint can only be used with an imported key")


@pytest.mark.parametrize(("method", "path"), [("GET", "wrapping_key"),
                                              ("POST", "keys/acl/import"),
                                              ("POST", "keys/acl/import_version")])
def test_no_capability_is_403(client: hvac.Client, dev_server: ServerProcess, method: str,
                              path: str) -> None:
    client.sys.create_or_update_policy("byok-none", 'path "cubbyhole/*" { capabilities = '
                                       '["read"] }')
    token = client.auth.token.create(policies=["byok-none"],
                                     no_default_policy=True)["auth"]["client_token"]
    resp = dev_server.request(method, f"/v1/transit/{path}", token=token,
                              json={"ciphertext": "AAAA"})
    assert (resp.status_code, resp.json()) == (403, DENIED)
