"""Issuing through roles: formats, TTL caps, issuer limits, CSR checks, leases."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pyvault.logical.errors import InvalidRequest
from tests.unit.pki.support import PKI

ROLE = {"allowed_domains": "example.com", "allow_subdomains": True, "key_type": "ec"}


def make_csr(cn: str, curve: ec.EllipticCurve | None = None) -> str:
    key = ec.generate_private_key(curve or ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CSR Org")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


async def ready(**role: Any) -> PKI:
    pki = PKI()
    await pki.root()
    await pki.write("roles/web", {**ROLE, **role})
    return pki


async def test_issue_fields_and_ttl_cap_warning() -> None:
    pki = await ready(max_ttl="2h")
    issued = await pki.write("issue/web", {"common_name": "a.example.com", "ttl": "3h"})
    assert issued.data is not None
    assert issued.warnings == ['TTL "3h0m0s" is longer than permitted maxTTL "2h0m0s", '
                               "so maxTTL is being used"]
    cert = x509.load_pem_x509_certificate(issued.data["certificate"].encode())
    assert int(cert.not_valid_after_utc.timestamp()) == pki.clock.now() + 7200
    assert int(cert.not_valid_before_utc.timestamp()) == pki.clock.now() - 30
    assert issued.data["private_key"].startswith("-----BEGIN EC PRIVATE KEY-----")


async def test_der_and_pem_bundle_formats() -> None:
    pki = await ready()
    der = await pki.write("issue/web", {"common_name": "a.example.com", "format": "der",
                                        "ttl": "1h"})
    assert der.data is not None
    x509.load_der_x509_certificate(base64.b64decode(der.data["certificate"]))
    bundle = await pki.write("issue/web", {"common_name": "a.example.com",
                                           "format": "pem_bundle", "ttl": "1h"})
    assert bundle.data is not None
    assert bundle.data["certificate"].count("-----BEGIN") == 3
    with pytest.raises(InvalidRequest, match='the "format" path parameter'):
        await pki.write("issue/web", {"common_name": "a.example.com", "format": "xml"})


async def test_not_after_beyond_issuer_err_truncate_permit() -> None:
    pki = await ready()
    far = "2099-01-01T00:00:00Z"
    with pytest.raises(InvalidRequest, match="beyond the expiration of the CA certificate"):
        await pki.write("issue/web", {"common_name": "a.example.com", "not_after": far})
    await pki.write("issuer/default", {"leaf_not_after_behavior": "truncate"})
    truncated = await pki.write("issue/web", {"common_name": "a.example.com",
                                              "not_after": far})
    ca = await pki.read("issuer/default/json")
    assert truncated.data is not None and ca is not None and ca.data is not None
    ca_cert = x509.load_pem_x509_certificate(ca.data["certificate"].encode())
    assert truncated.data["expiration"] == int(ca_cert.not_valid_after_utc.timestamp())


async def test_sign_checks_key_type_and_uses_csr_cn() -> None:
    pki = await ready(key_bits=256)
    signed = await pki.write("sign/web", {"csr": make_csr("c.example.com"), "ttl": "1h"})
    assert signed.data is not None and "private_key" not in signed.data
    cert = x509.load_pem_x509_certificate(signed.data["certificate"].encode())
    assert cert.subject.rfc4514_string() == "CN=c.example.com"
    with pytest.raises(InvalidRequest, match="role requires EC key of size 256"):
        await pki.write("sign/web", {"csr": make_csr("c.example.com", ec.SECP384R1())})
    with pytest.raises(InvalidRequest, match="certificate request could not be parsed"):
        await pki.write("sign/web", {"csr": "nope"})


async def test_sign_verbatim_keeps_subject() -> None:
    pki = await ready()
    signed = await pki.write("sign-verbatim", {"csr": make_csr("any thing"), "ttl": "1h"})
    assert signed.data is not None
    cert = x509.load_pem_x509_certificate(signed.data["certificate"].encode())
    assert cert.subject.rfc4514_string() == "O=CSR Org,CN=any thing"


async def test_generate_lease_and_no_store() -> None:
    pki = await ready(generate_lease=True, ttl="1h")
    leased = await pki.write("issue/web", {"common_name": "a.example.com"})
    assert leased.secret is not None and leased.secret.lease_duration == 3600
    await pki.write("roles/quiet", {**ROLE, "no_store": True, "ttl": "1h"})
    quiet = await pki.write("issue/quiet", {"common_name": "a.example.com"})
    assert quiet.data is not None
    assert await pki.read("cert/" + quiet.data["serial_number"]) is None


async def test_issuer_specific_forms_and_public_lookalike_guard() -> None:
    pki = await ready()
    issued = await pki.write("issuer/default/issue/web",
                             {"common_name": "a.example.com", "ttl": "1h"})
    assert issued.data is not None
    await pki.write("roles/pem", ROLE)
    # issuer/<ref>/issue/pem is not the public issuer/+/pem ("+" is one segment):
    # a role named "pem" issues normally, through the ACL.
    from pyvault.framework.special import matches

    assert not matches("issuer/default/issue/pem", "issuer/+/pem")
    pem = await pki.write("issuer/default/issue/pem", {"common_name": "a.example.com"})
    assert pem.data is not None and pem.data["serial_number"]
    with pytest.raises(InvalidRequest, match="unknown role: nope"):
        await pki.write("issue/nope", {"common_name": "a.example.com"})


async def test_issuer_without_issuing_usage_refuses() -> None:
    pki = await ready()
    await pki.write("issuer/default", {"usage": "read-only,crl-signing"})
    with pytest.raises(InvalidRequest, match="requested usage issuing-certificates for issuer"):
        await pki.write("issue/web", {"common_name": "a.example.com"})


async def test_role_validation_errors() -> None:
    pki = PKI()
    with pytest.raises(InvalidRequest, match='"ttl" value must be less than "max_ttl"'):
        await pki.write("roles/x", {"ttl": "2h", "max_ttl": "1h"})
    with pytest.raises(InvalidRequest, match="could not be parsed as a valid oid"):
        await pki.write("roles/x", {"ext_key_usage_oids": "abc"})
    with pytest.raises(InvalidRequest, match="unsafe and not supported: got 1000"):
        await pki.write("roles/x", {"key_bits": 1000})
    with pytest.raises(InvalidRequest, match="unsupported bit length for RSA key: 3000"):
        await pki.write("roles/x", {"key_bits": 3000})
    assert await pki.read("roles/x") is None


async def test_lease_revocation_revokes_the_certificate() -> None:
    pki = await ready(generate_lease=True, ttl="1h")
    leased = await pki.write("issue/web", {"common_name": "a.example.com"})
    assert leased.data is not None and pki.backend.revoke_secret is not None
    await pki.backend.revoke_secret(pki.storage, "pki/issue/web", dict(leased.data), {})
    read = await pki.read("cert/" + leased.data["serial_number"])
    assert read is not None and read.data is not None
    assert read.data["revocation_time"] == int(pki.clock.now())
