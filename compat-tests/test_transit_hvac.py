"""Transit through hvac's ``secrets.transit`` (every method) and raw HTTP, on pyvault and
the reference. Expected answers were read off OpenBao 2.7.2.

Where HashiCorp Vault and OpenBao differ we follow Vault, and the test says so:
- a key read has no ``soft_deleted`` (an OpenBao-only feature);
- creating a key that exists answers with the warning ``key <name> already existed``;
- ``nonce`` on encrypt is a known field (OpenBao dropped it and warns it is unknown).
"""

from __future__ import annotations

import base64
from typing import Any

import hvac
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from harness import ServerProcess

PT = base64.b64encode(b"hello transit").decode()
CTX = base64.b64encode(b"tenant-1").decode()
DENIED = {"errors": ["1 error occurred:\n\t* permission denied\n\n"]}


@pytest.fixture(scope="module")
def client(dev_server: ServerProcess) -> hvac.Client:
    root = dev_server.client()
    root.sys.enable_secrets_engine("transit", path="transit")
    return root


def post(server: ServerProcess, path: str, body: Any = None,
         token: str = "root") -> tuple[int, Any]:
    resp = server.request("POST", f"/v1/transit/{path}", token=token, json=body or {})
    return resp.status_code, (resp.json() if resp.content else None)


def get(server: ServerProcess, path: str, token: str = "root") -> tuple[int, Any]:
    resp = server.request("GET", f"/v1/transit/{path}", token=token)
    return resp.status_code, (resp.json() if resp.content else None)


def test_key_lifecycle(client: hvac.Client, dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    created = t.create_key("life", exportable=True)["data"]
    assert created["type"] == "aes256-gcm96" and created["latest_version"] == 1
    read = t.read_key("life")["data"]
    read.pop("soft_deleted", None)  # OpenBao only
    assert set(read) == {
        "allow_plaintext_backup", "auto_rotate_period", "deletion_allowed", "derived",
        "exportable", "imported_key", "keys", "latest_version", "min_available_version",
        "min_decryption_version", "min_encryption_version", "name", "supports_decryption",
        "supports_derivation", "supports_encryption", "supports_signing", "type"}
    assert (read["supports_encryption"], read["supports_signing"]) == (True, False)
    t.rotate_key("life")
    t.rotate_key("life")
    assert t.read_key("life")["data"]["latest_version"] == 3
    assert "life" in t.list_keys()["data"]["keys"]
    t.update_key_configuration("life", min_decryption_version=2, min_encryption_version=3,
                               deletion_allowed=True, auto_rotate_period="2h")
    after = t.read_key("life")["data"]
    assert sorted(after["keys"]) == ["2", "3"] and after["auto_rotate_period"] == 7200
    trimmed = t.trim_key("life", min_version=2)
    assert trimmed["data"]["min_available_version"] == 2
    t.delete_key("life")
    assert get(dev_server, "keys/life")[0] == 404


def test_create_twice_warns_on_pyvault(dev_server: ServerProcess, client: hvac.Client) -> None:
    client.secrets.transit.create_key("twice")
    status, body = post(dev_server, "keys/twice", {"type": "ed25519"})
    assert status == 200 and body["data"]["type"] == "aes256-gcm96"
    if dev_server.kind == "pyvault":  # Vault warns; OpenBao does not
        assert body["warnings"] == ["key twice already existed"]


@pytest.mark.parametrize("key_type", ["aes128-gcm96", "aes256-gcm96", "chacha20-poly1305",
                                      "rsa-2048"])
def test_encrypt_decrypt_rewrap_datakey(client: hvac.Client, dev_server: ServerProcess,
                                        key_type: str) -> None:
    t = client.secrets.transit
    name = f"ed-{key_type}"
    post(dev_server, f"keys/{name}", {"type": key_type})  # hvac rejects aes128 itself
    ct = t.encrypt_data(name, PT)["data"]["ciphertext"]
    assert ct.startswith("vault:v1:")
    assert t.decrypt_data(name, ct)["data"]["plaintext"] == PT
    t.rotate_key(name)
    rewrapped = t.rewrap_data(name, ct)["data"]
    assert rewrapped["key_version"] == 2 and rewrapped["ciphertext"].startswith("vault:v2:")
    assert t.decrypt_data(name, rewrapped["ciphertext"])["data"]["plaintext"] == PT
    key = t.generate_data_key(name, key_type="plaintext", bits=512)["data"]
    assert len(base64.b64decode(key["plaintext"])) == 64
    opened = t.decrypt_data(name, key["ciphertext"])["data"]["plaintext"]
    assert opened == key["plaintext"]
    wrapped = t.generate_data_key(name, key_type="wrapped")["data"]
    assert "plaintext" not in wrapped


def test_associated_data_and_derived_and_convergent(client: hvac.Client,
                                                    dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    t.create_key("aad", key_type="chacha20-poly1305")
    aad = base64.b64encode(b"header").decode()
    ct = post(dev_server, "encrypt/aad", {"plaintext": PT, "associated_data": aad})[1]
    ct = ct["data"]["ciphertext"]
    assert post(dev_server, "decrypt/aad", {"ciphertext": ct})[0] == 400
    ok = post(dev_server, "decrypt/aad", {"ciphertext": ct, "associated_data": aad})
    assert ok[1]["data"]["plaintext"] == PT
    t.create_key("conv", derived=True, convergent_encryption=True)
    read = t.read_key("conv")["data"]
    assert (read["kdf"], read["convergent_encryption_version"]) == ("hkdf_sha256", -1)
    one = t.encrypt_data("conv", PT, context=CTX)["data"]["ciphertext"]
    two = t.encrypt_data("conv", PT, context=CTX)["data"]["ciphertext"]
    assert one == two
    assert t.decrypt_data("conv", one, context=CTX)["data"]["plaintext"] == PT
    missing = post(dev_server, "encrypt/conv", {"plaintext": PT})
    assert missing == (400, {"errors": [
        "missing 'context' for key derivation; the key was created using a derived key, "
        "which means additional, per-request information must be included in order to "
        "perform operations with the key"]})


def test_encrypt_creates_missing_key(client: hvac.Client) -> None:
    t = client.secrets.transit
    t.encrypt_data("upsert", PT)
    assert t.read_key("upsert")["data"]["type"] == "aes256-gcm96"


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519",
                                      "rsa-2048", "rsa-3072"])
def test_sign_verify_with_exported_public_key(client: hvac.Client, dev_server: ServerProcess,
                                              key_type: str) -> None:
    t = client.secrets.transit
    name = f"sig-{key_type}"
    t.create_key(name, key_type=key_type)
    signed = t.sign_data(name, hash_input=PT, hash_algorithm="sha2-384")["data"]
    signature = signed["signature"]
    assert signature.startswith("vault:v1:") and signed["key_version"] == 1
    assert t.verify_signed_data(name, PT, signature=signature,
                                hash_algorithm="sha2-384")["data"]["valid"]
    other = base64.b64encode(b"other").decode()
    assert not t.verify_signed_data(name, other, signature=signature,
                                    hash_algorithm="sha2-384")["data"]["valid"]
    # hvac's export_key refuses "public-key" itself, so this one goes over HTTP.
    public = get(dev_server, f"export/public-key/{name}/latest")[1]["data"]["keys"]["1"]
    raw = base64.b64decode(signature.split(":")[2])
    data = b"hello transit"
    if key_type == "ed25519":
        ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public)).verify(raw, data)
        return
    key = serialization.load_pem_public_key(public.encode())
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(raw, data, ec.ECDSA(hashes.SHA384()))
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(raw, data, padding.PSS(padding.MGF1(hashes.SHA384()),
                                          padding.PSS.AUTO), hashes.SHA384())


def test_sign_options(client: hvac.Client, dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    t.create_key("opts-rsa", key_type="rsa-2048", exportable=True)
    t.create_key("opts-ec", key_type="ecdsa-p256")
    for extra in ({"signature_algorithm": "pkcs1v15"}, {"salt_length": "hash"},
                  {"salt_length": "20"}, {"prehashed": True, "input": base64.b64encode(
                      b"\x01" * 32).decode()}):
        body = {"input": PT, **extra}
        sig = post(dev_server, "sign/opts-rsa", body)[1]["data"]["signature"]
        assert post(dev_server, "verify/opts-rsa", {**body, "signature": sig})[1][
            "data"]["valid"], extra
    jws = post(dev_server, "sign/opts-ec", {"input": PT, "marshaling_algorithm": "jws"})
    sig = jws[1]["data"]["signature"]
    assert "=" not in sig and len(base64.urlsafe_b64decode(sig[9:] + "==")) == 64
    assert post(dev_server, "verify/opts-ec", {"input": PT, "signature": sig,
                                               "marshaling_algorithm": "jws"})[1][
        "data"]["valid"]
    private = t.export_key("opts-rsa", key_type="signing-key")["data"]["keys"]["1"]
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_hmac_hash_random(client: hvac.Client, dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    t.create_key("mac")
    mac = t.generate_hmac("mac", PT, algorithm="sha2-512")["data"]["hmac"]
    assert mac.startswith("vault:v1:")
    assert t.verify_signed_data("mac", PT, hmac=mac, hash_algorithm="sha2-512")["data"][
        "valid"]
    assert not t.verify_signed_data("mac", PT, hmac=mac)["data"]["valid"]
    assert post(dev_server, "hmac/mac", {"input": PT, "key_version": 3}) == (
        400, {"errors": ["key version does not exist; latest key version is 1"]})
    post(dev_server, "keys/mac-key", {"type": "hmac", "key_size": 64, "exportable": True})
    key = base64.b64decode(t.export_key("mac-key", "hmac-key")["data"]["keys"]["1"])
    assert len(key) == 64
    import hashlib
    import hmac as pyhmac
    mac = t.generate_hmac("mac-key", PT)["data"]["hmac"]
    expected = pyhmac.new(key, b"hello transit", hashlib.sha256).digest()
    assert mac == "vault:v1:" + base64.b64encode(expected).decode()
    assert t.hash_data(PT, algorithm="sha2-256")["data"]["sum"] == hashlib.sha256(
        b"hello transit").hexdigest()
    assert post(dev_server, "hash", {"input": PT, "algorithm": "bad"}) == (
        400, {"errors": ["unsupported algorithm bad"]})
    random = t.generate_random_bytes(n_bytes=16, output_format="hex")["data"]["random_bytes"]
    assert len(bytes.fromhex(random)) == 16
    assert post(dev_server, "random", {"bytes": 0}) == (
        400, {"errors": ["'bytes' cannot be less than 1"]})


def test_export_and_backup_restore(client: hvac.Client, dev_server: ServerProcess) -> None:
    t = client.secrets.transit
    t.create_key("bk", exportable=True, allow_plaintext_backup=True)
    ct = t.encrypt_data("bk", PT)["data"]["ciphertext"]
    exported = t.export_key("bk", "encryption-key", version="1")["data"]
    assert exported["name"] == "bk" and len(base64.b64decode(exported["keys"]["1"])) == 32
    backup = t.backup_key("bk")["data"]["backup"]
    t.restore_key(backup, name="bk-copy")
    assert t.decrypt_data("bk-copy", ct)["data"]["plaintext"] == PT
    assert t.read_key("bk-copy")["data"]["restore_info"]["version"] == 1
    status, body = post(dev_server, "restore", {"backup": backup})
    assert body == {"errors": ['1 error occurred:\n\t* key "bk" already exists\n\n']}
    assert status == (400 if dev_server.kind == "pyvault" else 500)  # never a 500 here
    t.restore_key(backup, name="bk", force=True)
    assert post(dev_server, "restore", {}) == (400, {"errors": ["'backup' must be supplied"]})
    t.create_key("nobk")
    assert get(dev_server, "export/encryption-key/nobk") == (
        400, {"errors": ["private key material is not exportable"]})
    assert get(dev_server, "export/bogus/bk") == (400, {"errors": ["invalid export type: bogus"]})
    assert get(dev_server, "export/encryption-key/bk/7") == (
        400, {"errors": ["version does not exist or cannot be found"]})
    assert get(dev_server, "backup/nobk")[1] == {
        "errors": ["1 error occurred:\n\t* exporting is disallowed on the policy\n\n"]}


def test_cache_config(client: hvac.Client, dev_server: ServerProcess) -> None:
    assert get(dev_server, "cache-config")[1]["data"] == {"size": 0}
    assert post(dev_server, "cache-config", {"size": 5}) == (
        400, {"errors": ["size must be 0 or a value greater or equal to 10"]})
    assert post(dev_server, "cache-config", {"size": 20})[1]["data"] == {"size": 20}
    assert get(dev_server, "cache-config")[1]["data"] == {"size": 20}
    assert post(dev_server, "cache-config", {"size": 0})[0] == 200


ACL_OPERATIONS: list[tuple[str, str, Any]] = [
    ("GET", "keys/acl", None), ("LIST", "keys", None), ("POST", "keys/acl2", {}),
    ("DELETE", "keys/acl", None), ("POST", "keys/acl/config", {}),
    ("POST", "keys/acl/rotate", {}), ("POST", "keys/acl/trim", {"min_available_version": 1}),
    ("POST", "encrypt/acl", {"plaintext": PT}), ("POST", "decrypt/acl", {"ciphertext": "x"}),
    ("POST", "rewrap/acl", {"ciphertext": "x"}), ("POST", "datakey/plaintext/acl", {}),
    ("POST", "random", {}), ("POST", "hash", {"input": PT}), ("POST", "hmac/acl", {"input": PT}),
    ("POST", "sign/acl", {"input": PT}), ("POST", "verify/acl", {"input": PT, "hmac": "x"}),
    ("GET", "export/encryption-key/acl", None), ("GET", "backup/acl", None),
    ("POST", "restore", {"backup": "x"}), ("GET", "cache-config", None),
    ("POST", "cache-config", {"size": 0}), ("GET", "export/public-key/acl/1", None),
    ("POST", "restore/acl", {"backup": "x"}), ("POST", "hash/sha2-512", {"input": PT}),
    ("POST", "random/8", {}), ("POST", "random/platform/8", {}),
    ("POST", "sign/acl/sha2-512", {"input": PT}), ("POST", "verify/acl/sha2-512",
                                                    {"input": PT, "hmac": "x"}),
    ("POST", "hmac/acl/sha2-512", {"input": PT}), ("POST", "datakey/wrapped/acl", {}),
]


@pytest.fixture(scope="module")
def tokens(client: hvac.Client) -> dict[str, str]:
    client.secrets.transit.create_key("acl")
    made = {}
    for name, rules in {"transit-none": 'path "cubbyhole/*" { capabilities = ["read"] }',
                        "transit-read": 'path "transit/*" { capabilities = ["read", "list"] }',
                        "transit-update": 'path "transit/*" { capabilities = ["update"] }'
                        }.items():
        client.sys.create_or_update_policy(name, rules)
        made[name] = client.auth.token.create(policies=[name],
                                              no_default_policy=True)["auth"]["client_token"]
    return made


@pytest.mark.parametrize(("method", "path", "body"), ACL_OPERATIONS)
def test_no_capability_is_403(dev_server: ServerProcess, tokens: dict[str, str],
                              method: str, path: str, body: Any) -> None:
    resp = dev_server.request(method, f"/v1/transit/{path}", token=tokens["transit-none"],
                              json=body)
    assert (resp.status_code, resp.json()) == (403, DENIED)


@pytest.mark.parametrize(("method", "path", "body"),
                         [op for op in ACL_OPERATIONS if op[0] not in ("GET", "LIST")])
def test_read_only_token_cannot_write(dev_server: ServerProcess, tokens: dict[str, str],
                                      method: str, path: str, body: Any) -> None:
    resp = dev_server.request(method, f"/v1/transit/{path}", token=tokens["transit-read"],
                              json=body)
    assert (resp.status_code, resp.json()) == (403, DENIED)


def test_encrypt_to_new_key_needs_create(dev_server: ServerProcess,
                                         tokens: dict[str, str]) -> None:
    token = tokens["transit-update"]
    assert post(dev_server, "encrypt/acl-new", {"plaintext": PT}, token=token) == (403, DENIED)
    assert post(dev_server, "encrypt/acl", {"plaintext": PT}, token=token)[0] == 200


def test_key_create_with_update_capability(dev_server: ServerProcess,
                                           tokens: dict[str, str]) -> None:
    """keys/<name> has no existence check: update is enough to create a key."""
    token = tokens["transit-update"]
    assert post(dev_server, "keys/made-by-update", {}, token=token)[0] == 200
