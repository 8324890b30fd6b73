"""Public-key-only import and import_version's `version`, driven on the backend."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from pyvault.builtin.secrets.transit.path_import import parse_public_pem
from pyvault.logical.operation import Operation
from tests.unit.transit.support import Transit

U = Operation.UPDATE
MSG = b"verify me"
INPUT = base64.b64encode(MSG).decode()


def multi(message: str) -> tuple[int, list[str]]:
    return 400, [f"1 error occurred:\n\t* {message}\n\n"]


def pem(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        ) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


async def wrap(t: Transit, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    text = (await t.read("wrapping_key"))["public_key"]
    public = serialization.load_pem_public_key(text.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    ephemeral = os.urandom(32)
    h = hashes.SHA256()
    blob = public.encrypt(ephemeral, padding.OAEP(padding.MGF1(h), h, None))
    return base64.b64encode(blob + aes_key_wrap_with_padding(ephemeral, der)).decode()


async def test_ed25519_public_only_verifies_not_signs() -> None:
    t = Transit()
    key = ed25519.Ed25519PrivateKey.generate()
    assert None is await t.call(U, "keys/ed/import", {"type": "ed25519", "public_key": pem(key)})
    read = await t.read("keys/ed")
    assert read["keys"]["1"]["public_key"] == base64.b64encode(
        key.public_key().public_bytes_raw()).decode()
    sig = "vault:v1:" + base64.b64encode(key.sign(MSG)).decode()
    assert (await t.write("verify/ed", {"input": INPUT, "signature": sig}))["valid"] is True
    bad = "vault:v1:" + base64.b64encode(key.sign(b"other")).decode()
    assert (await t.write("verify/ed", {"input": INPUT, "signature": bad}))["valid"] is False
    assert await t.error(U, "sign/ed", {"input": INPUT}) == multi(
        "requested version for signing does not contain a private part")


async def test_ecdsa_public_then_private_fill_in_survives_reload() -> None:
    t = Transit()
    key = ec.generate_private_key(ec.SECP384R1())
    assert None is await t.call(U, "keys/ec/import", {"type": "ecdsa-p384", "public_key": pem(key)})
    der = key.sign(MSG, ec.ECDSA(hashes.SHA256()))
    sig = "vault:v1:" + base64.b64encode(der).decode()
    assert (await t.write("verify/ec", {"input": INPUT, "signature": sig}))["valid"] is True
    t.backend = t.fresh_backend()
    assert (await t.write("verify/ec", {"input": INPUT, "signature": sig}))["valid"] is True
    other = ec.generate_private_key(ec.SECP384R1())
    assert await t.error(U, "keys/ec/import_version", {
        "ciphertext": await wrap(t, other), "version": 1}) == multi(
        "cannot import key, key pair does not match")
    assert await t.call(U, "keys/ec/import_version", {"ciphertext": await wrap(t, key),
                                                      "version": 1}) is None
    t.backend = t.fresh_backend()
    signed = (await t.write("sign/ec", {"input": INPUT}))["signature"]
    assert (await t.write("verify/ec", {"input": INPUT, "signature": signed}))["valid"]
    assert await t.error(U, "keys/ec/import_version", {
        "public_key": pem(key), "version": 1}) == multi(
        "private key imported, key version cannot be updated")


async def test_rsa_public_only_encrypts_but_does_not_decrypt() -> None:
    t = Transit()
    key = rsa.generate_private_key(65537, 2048)
    assert None is await t.call(U, "keys/r/import", {"type": "rsa-2048", "public_key": pem(key)})
    ct = (await t.write("encrypt/r", {"plaintext": INPUT}))["ciphertext"]
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert key.decrypt(base64.b64decode(ct.split(":", 2)[2]), oaep) == MSG
    assert await t.error(U, "decrypt/r", {"ciphertext": ct}) == multi(
        "cannot decrypt ciphertext, key version does not have a private counterpart")
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    sig = "vault:v1:" + base64.b64encode(key.sign(MSG, pss, hashes.SHA256())).decode()
    assert (await t.write("verify/r", {"input": INPUT, "signature": sig}))["valid"] is True
    assert (await t.read("export/public-key/r"))["keys"]["1"] == pem(key)


async def test_public_import_errors() -> None:
    t = Transit()
    p256 = ec.generate_private_key(ec.SECP256R1())
    assert await t.error(U, "keys/a/import", {"type": "aes256-gcm96",
                                              "public_key": pem(p256)}) == multi(
        "provided type does not support public_key import")
    assert await t.error(U, "keys/a/import", {"type": "ecdsa-p256",
                                              "public_key": "nope"}) == multi(
        "error importing key: error parsing public key: not in PEM format")
    assert await t.error(U, "keys/a/import", {"type": "rsa-2048",
                                              "public_key": pem(p256)}) == multi(
        "error importing key: invalid key type: expected rsa-2048, got *ecdsa.PublicKey")
    assert None is await t.call(U, "keys/a/import", {"type": "ecdsa-p256", "public_key": pem(p256)})
    for version in (0, 2):
        assert await t.error(U, "keys/a/import_version", {
            "public_key": pem(p256), "version": version}) == multi("no such key version")
    assert await t.error(U, "keys/a/import_version", {
        "public_key": pem(p256), "version": 1}) == multi(
        "cannot add a public key to a key version that already has a public key set")
    assert await t.error(U, "keys/a/import_version", {
        "public_key": pem(ed25519.Ed25519PrivateKey.generate())}) == multi(
        "invalid key type: expected ecdsa-p256, got ed25519.PublicKey")


def test_parse_public_pem_accepts_any_label() -> None:
    key = rsa.generate_private_key(65537, 2048)
    text = pem(key).replace("PUBLIC KEY", "RSA PUBLIC KEY")
    parsed = parse_public_pem(text)
    assert isinstance(parsed, rsa.RSAPublicKey)
    assert parsed.public_numbers() == key.public_key().public_numbers()
