"""Roots, intermediates, imports and the multi-issuer API, driven through the path table."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.pki.support import PKI


async def test_root_generation_sets_defaults_and_stores_cert() -> None:
    pki = PKI()
    root = await pki.root(issuer_name="r1", key_name="k1")
    assert root["issuer_name"] == "r1" and root["key_name"] == "k1"
    config = await pki.read("config/issuers")
    assert config is not None and config.data == {
        "default": root["issuer_id"], "default_follows_latest_issuer": False}
    keys = await pki.call(Operation.LIST, "keys/")
    assert keys is not None and keys.data is not None
    assert keys.data["key_info"] == {root["key_id"]: {"is_default": True, "key_name": "k1"}}
    key = await pki.read("key/k1")
    assert key is not None and key.data is not None
    assert key.data["key_type"] == "ec" and len(key.data["subject_key_id"].split(":")) == 20
    cert = await pki.read("cert/" + root["serial_number"])
    assert cert is not None and cert.data is not None
    assert cert.data["certificate"] == root["certificate"]
    with pytest.raises(InvalidRequest, match="issuer name already in use"):
        await pki.root(issuer_name="r1")


@pytest.mark.parametrize(("key_type", "bits", "cls", "size"), [
    ("ec", 224, ec.EllipticCurvePublicKey, 224), ("ec", 521, ec.EllipticCurvePublicKey, 521),
    ("ed25519", 0, ed25519.Ed25519PublicKey, 0), ("rsa", 2048, rsa.RSAPublicKey, 2048),
])
async def test_root_key_types(key_type: str, bits: int, cls: type, size: int) -> None:
    pki = PKI()
    root = await pki.root(key_type=key_type, key_bits=bits)
    public = x509.load_pem_x509_certificate(root["certificate"].encode()).public_key()
    assert isinstance(public, cls)
    if size:
        assert public.key_size == size  # type: ignore[union-attr]  # ec/rsa only


async def test_bad_key_parameters_are_400() -> None:
    pki = PKI()
    with pytest.raises(InvalidRequest, match="unsupported bit length for EC key: 300"):
        await pki.root(key_bits=300)
    with pytest.raises(InvalidRequest, match="unknown key_type value: dsa"):
        await pki.root(key_type="dsa")
    with pytest.raises(InvalidRequest, match='the "exported" path parameter'):
        await pki.write("root/generate/bogus", {"common_name": "x"})


async def test_exported_root_private_key_formats() -> None:
    pki = PKI()
    response = await pki.write("root/generate/exported", {
        "common_name": "x.com", "key_type": "ec", "private_key_format": "pkcs8"})
    assert response.data is not None
    assert response.data["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert response.data["private_key_type"] == "ec"


async def test_intermediate_flow_between_mounts() -> None:
    root, inter = PKI(), PKI()
    await root.root()
    generated = await inter.write("intermediate/generate/internal",
                                  {"common_name": "int.example.com", "key_type": "ec"})
    assert generated.data is not None and set(generated.data) == {"csr", "key_id"}
    signed = await root.write("root/sign-intermediate",
                              {"csr": generated.data["csr"], "ttl": "100h"})
    assert signed.data is not None
    assert len(signed.data["ca_chain"]) == 2
    imported = await inter.write("intermediate/set-signed",
                                 {"certificate": signed.data["certificate"]})
    assert imported.data is not None
    (issuer_id,) = imported.data["imported_issuers"]
    assert imported.data["mapping"] == {issuer_id: generated.data["key_id"]}
    cert = x509.load_pem_x509_certificate(signed.data["certificate"].encode())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    again = await inter.write("intermediate/set-signed",
                              {"certificate": signed.data["certificate"]})
    assert again.data is not None and again.data["existing_issuers"] == [issuer_id]


async def test_issuer_update_read_and_delete() -> None:
    pki = PKI()
    root = await pki.root(issuer_name="r1")
    updated = await pki.write("issuer/r1", {"issuer_name": "r2",
                                            "leaf_not_after_behavior": "truncate",
                                            "usage": "read-only,issuing-certificates"})
    assert updated.data is not None
    assert updated.data["issuer_name"] == "r2"
    assert updated.data["usage"] == "issuing-certificates,read-only"
    with pytest.raises(InvalidRequest, match="Unable to parse specified usages"):
        await pki.write("issuer/r2", {"usage": "bogus"})
    with pytest.raises(InvalidRequest, match="Unknown value for field"):
        await pki.write("issuer/r2", {"leaf_not_after_behavior": "sometimes"})
    pem = await pki.read("issuer/r2/pem")
    assert pem is not None and pem.raw_body is not None
    assert pem.raw_body.decode().startswith("-----BEGIN CERTIFICATE-----")
    der = await pki.read("issuer/default/der")
    assert der is not None and der.content_type == "application/pkix-cert"
    with pytest.raises(InvalidRequest, match="unable to find PKI issuer for reference: nope"):
        await pki.read("issuer/nope")
    deleted = await pki.call(Operation.DELETE, "issuer/" + root["issuer_id"])
    assert deleted is not None and deleted.warnings[0].startswith("Deleted issuer")
    assert await pki.call(Operation.LIST, "issuers/") is None


async def test_import_bundle_and_cert_only_path() -> None:
    source = PKI()
    exported = await source.write("root/generate/exported",
                                  {"common_name": "imp.example", "key_type": "ec"})
    assert exported.data is not None
    bundle = exported.data["private_key"] + "\n" + exported.data["certificate"]
    target = PKI()
    with pytest.raises(InvalidRequest, match="private keys found"):
        await target.write("issuers/import/cert", {"pem_bundle": bundle})
    imported = await target.write("config/ca", {"pem_bundle": bundle})
    assert imported.data is not None
    assert len(imported.data["imported_issuers"]) == 1
    assert len(imported.data["imported_keys"]) == 1
    with pytest.raises(InvalidRequest, match="no data found"):
        await target.write("issuers/import/bundle", {"pem_bundle": "garbage"})


async def test_keys_generate_import_rename_delete() -> None:
    pki = PKI()
    made = await pki.write("keys/generate/internal", {"key_type": "ec", "key_name": "a"})
    assert made.data is not None and made.data["key_name"] == "a"
    renamed = await pki.write("key/a", {"key_name": "b"})
    assert renamed.data is not None and renamed.data["key_name"] == "b"
    exported = await pki.write("keys/generate/exported", {"key_type": "ec"})
    assert exported.data is not None and "private_key" in exported.data
    again = await pki.write("keys/import", {"pem_bundle": exported.data["private_key"]})
    assert again.warnings == ["Key already imported, use key/ endpoint to update name."]
    root = await pki.write("root/generate/existing", {"common_name": "x", "key_ref": "b"})
    assert root.data is not None and root.data["key_id"] == made.data["key_id"]
    with pytest.raises(InvalidRequest, match="Unable to delete key in use by issuers"):
        await pki.call(Operation.DELETE, "key/b")
    await pki.call(Operation.DELETE, "key/" + exported.data["key_id"])


async def test_delete_root_and_replace() -> None:
    pki = PKI()
    first = await pki.root()
    second = await pki.write("root/rotate/internal", {"common_name": "next", "key_type": "ec"})
    assert second.data is not None
    config = await pki.read("config/issuers")
    assert config is not None and config.data is not None
    assert config.data["default"] == first["issuer_id"]
    replaced = await pki.write("root/replace", {"default": second.data["issuer_id"]})
    assert replaced.data is not None and replaced.data["default"] == second.data["issuer_id"]
    await pki.call(Operation.DELETE, "root")
    assert await pki.call(Operation.LIST, "issuers/") is None
    assert await pki.call(Operation.LIST, "keys/") is None


async def test_default_follows_latest_issuer() -> None:
    pki = PKI()
    first = await pki.root()
    await pki.write("config/issuers", {"default_follows_latest_issuer": True})
    second = await pki.root(common_name="second.example")
    config = await pki.read("config/issuers")
    assert config is not None and config.data is not None
    assert config.data["default"] == second["issuer_id"] != first["issuer_id"]
