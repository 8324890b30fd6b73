"""Revocation, CRLs (full and delta) and the OCSP responder."""

from __future__ import annotations

import asyncio
import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from tests.unit.pki.support import PKI

ROLE = {"allowed_domains": "example.com", "allow_subdomains": True, "key_type": "ec",
        "ttl": "1h"}


async def issued(pki: PKI) -> dict[str, str]:
    await pki.root()
    await pki.write("roles/web", ROLE)
    response = await pki.write("issue/web", {"common_name": "a.example.com"})
    assert response.data is not None
    return response.data


async def crl(pki: PKI, path: str = "crl") -> x509.CertificateRevocationList:
    response = await pki.read(path)
    assert response is not None and response.raw_body is not None
    return x509.load_der_x509_crl(response.raw_body)


async def test_revoke_by_serial_and_certificate() -> None:
    pki = PKI()
    leaf = await issued(pki)
    assert list(await crl(pki)) == []
    answer = await pki.write("revoke", {"certificate": leaf["certificate"]})
    assert answer.data is not None and answer.data["state"] == "revoked"
    again = await pki.write("revoke", {"serial_number": leaf["serial_number"]})
    assert again.data == answer.data
    revoked = await crl(pki)
    assert [r.serial_number for r in revoked] == [
        int(leaf["serial_number"].replace(":", ""), 16)]
    listed = await pki.call(Operation.LIST, "certs/revoked/")
    assert listed is not None and listed.data == {"keys": [leaf["serial_number"]]}
    with pytest.raises(InvalidRequest, match="not both"):
        await pki.write("revoke", {"certificate": leaf["certificate"], "serial_number": "aa"})
    with pytest.raises(InvalidRequest, match="must be provided"):
        await pki.write("revoke", {})


async def test_revoke_with_key_checks_the_key() -> None:
    pki = PKI()
    leaf = await issued(pki)
    other = PKI()
    stranger = await issued(other)
    with pytest.raises(InvalidRequest, match="failed to validate private key"):
        await pki.write("revoke-with-key", {"serial_number": leaf["serial_number"],
                                            "private_key": stranger["private_key"]})
    done = await pki.write("revoke-with-key", {"serial_number": leaf["serial_number"],
                                               "private_key": leaf["private_key"]})
    assert done.data is not None and done.data["state"] == "revoked"


async def test_crl_pem_config_and_delta() -> None:
    pki = PKI()
    leaf = await issued(pki)
    pem = await pki.read("crl/pem")
    assert pem is not None and pem.raw_body is not None
    assert pem.raw_body.startswith(b"-----BEGIN X509 CRL-----")
    with pytest.raises(InvalidRequest, match="Delta CRLs cannot be enabled"):
        await pki.write("config/crl", {"enable_delta": True})
    config = await pki.write("config/crl", {"enable_delta": True, "auto_rebuild": True,
                                            "expiry": "24h"})
    assert config.data is not None and config.data["expiry"] == "24h"
    await pki.write("revoke", {"serial_number": leaf["serial_number"]})
    rotated = await pki.read("crl/rotate-delta")
    assert rotated is not None and rotated.data == {"success": True}
    delta = await crl(pki, "crl/delta")
    assert len(list(delta)) == 1
    indicator = delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    assert indicator.critical
    full = await crl(pki)
    assert full.next_update_utc is not None
    assert (full.next_update_utc - full.last_update_utc).total_seconds() == 86400


async def test_ocsp_good_revoked_unknown() -> None:
    pki = PKI()
    leaf = await issued(pki)
    cert = x509.load_pem_x509_certificate(leaf["certificate"].encode())
    issuer = x509.load_pem_x509_certificate(leaf["issuing_ca"].encode())

    async def ask(target: x509.Certificate) -> ocsp.OCSPResponse:
        request = ocsp.OCSPRequestBuilder().add_certificate(
            target, issuer, hashes.SHA1()).build()
        encoded = base64.b64encode(request.public_bytes(serialization.Encoding.DER)).decode()
        response = await pki.read("ocsp/" + encoded)
        assert response is not None and response.raw_body is not None
        assert response.content_type == "application/ocsp-response"
        return ocsp.load_der_ocsp_response(response.raw_body)

    good = await ask(cert)
    assert good.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    await pki.write("revoke", {"serial_number": leaf["serial_number"]})
    assert (await ask(cert)).certificate_status is ocsp.OCSPCertStatus.REVOKED
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    posted = await pki.backend.handle(Request(
        operation=Operation.UPDATE, path="ocsp", storage=pki.storage,
        raw_body=request.public_bytes(serialization.Encoding.DER)))
    assert posted is not None and posted.raw_body is not None
    assert posted.status is None and posted.content_type == "application/ocsp-response"
    assert ocsp.load_der_ocsp_response(posted.raw_body).certificate_status is \
        ocsp.OCSPCertStatus.REVOKED
    garbage = await pki.read("ocsp/bm90LWRlcg==")
    assert garbage is not None and garbage.raw_body is not None and garbage.status == 400
    assert ocsp.load_der_ocsp_response(garbage.raw_body).response_status is \
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    json_post = await pki.write("ocsp", {"ocsp_request": "anything"})
    assert json_post.status == 400 and json_post.raw_body is not None
    assert ocsp.load_der_ocsp_response(json_post.raw_body).response_status is \
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST


async def test_ocsp_unknown_issuer_and_disabled() -> None:
    pki = PKI()
    leaf = await issued(pki)
    cert = x509.load_pem_x509_certificate(leaf["certificate"].encode())
    stranger_ca = x509.load_pem_x509_certificate((await issued(PKI()))["issuing_ca"].encode())
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, stranger_ca, hashes.SHA1()).build()
    encoded = base64.b64encode(request.public_bytes(serialization.Encoding.DER)).decode()
    answer = await pki.read("ocsp/" + encoded)
    assert answer is not None and answer.raw_body is not None and answer.status is None
    parsed = ocsp.load_der_ocsp_response(answer.raw_body)
    assert parsed.certificate_status is ocsp.OCSPCertStatus.UNKNOWN  # signed by the default
    await pki.write("config/crl", {"ocsp_disable": True})
    refused = await pki.read("ocsp/" + encoded)
    assert refused is not None and refused.raw_body is not None and refused.status == 401
    assert ocsp.load_der_ocsp_response(refused.raw_body).response_status is \
        ocsp.OCSPResponseStatus.UNAUTHORIZED


async def test_urls_are_embedded_in_issued_certificates() -> None:
    pki = PKI()
    await pki.root()
    written = await pki.write("config/urls", {
        "issuing_certificates": "http://ca.example/ca", "ocsp_servers": "http://ca.example/o",
        "crl_distribution_points": "http://ca.example/crl"})
    assert written.data is not None
    with pytest.raises(InvalidRequest, match="invalid URL found"):
        await pki.write("config/urls", {"ocsp_servers": "not a url"})
    await pki.write("roles/web", ROLE)
    leaf = await pki.write("issue/web", {"common_name": "a.example.com"})
    assert leaf.data is not None
    cert = x509.load_pem_x509_certificate(leaf.data["certificate"].encode())
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert sorted(d.access_location.value for d in aia) == [
        "http://ca.example/ca", "http://ca.example/o"]
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name is not None
    assert points[0].full_name[0].value == "http://ca.example/crl"


async def test_auto_rebuild_defers_signing_to_the_next_read() -> None:
    pki = PKI()
    leaf = await issued(pki)
    await pki.write("config/crl", {"auto_rebuild": True, "enable_delta": True})
    issuer = await pki.read("issuer/default/json")
    assert issuer is not None and issuer.data is not None
    issuer_id = issuer.data["issuer_id"]
    before = await pki.storage.get("crl/" + issuer_id)
    await pki.write("revoke", {"serial_number": leaf["serial_number"]})
    assert await pki.storage.get("crl/" + issuer_id) == before  # nothing re-signed yet
    pki.clock.advance(5)
    serial = int(leaf["serial_number"].replace(":", ""), 16)
    assert [r.serial_number for r in await crl(pki, "crl/delta")] == [serial]
    assert [r.serial_number for r in await crl(pki)] == [serial]
    assert await pki.storage.get("crl-state/dirty") is None


async def test_concurrent_revocations_all_reach_the_crl() -> None:
    pki = PKI()
    await issued(pki)
    serials = []
    for index in range(8):
        response = await pki.write("issue/web", {"common_name": f"c{index}.example.com"})
        assert response.data is not None
        serials.append(response.data["serial_number"])
    await asyncio.gather(*(pki.write("revoke", {"serial_number": s}) for s in serials))
    listed = sorted(r.serial_number for r in await crl(pki))
    assert listed == sorted(int(s.replace(":", ""), 16) for s in serials)
