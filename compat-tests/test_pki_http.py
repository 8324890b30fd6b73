"""PKI endpoints hvac has no method for, over raw HTTP, on pyvault and the reference:
the multi-issuer API (issuers, keys, config/issuers, config/keys), the unauthenticated
certificate and CRL reads, and their error answers.

Unknown issuer or key references: OpenBao (and Vault) answer 500 with the message;
pyvault keeps the message but answers 400, because bad input must never be a 500
(DESIGN.md §1.3). The tests accept 500 only from the reference.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID
from harness import ServerProcess

_COUNTER = itertools.count()


def mount(server: ServerProcess) -> str:
    path = f"pkih{next(_COUNTER)}"
    server.client().sys.enable_secrets_engine("pki", path=path)
    return path


def post(server: ServerProcess, path: str, body: dict[str, Any] | None = None) -> Any:
    response = server.request("POST", f"/v1/{path}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def bad_ref_status(server: ServerProcess) -> int:
    return 500 if server.kind == "reference" else 400


def test_issuers_and_keys_api(dev_server: ServerProcess) -> None:
    path = mount(dev_server)
    root = post(dev_server, f"{path}/root/generate/internal",
                {"common_name": "example.com", "key_type": "ec", "issuer_name": "one",
                 "key_name": "k-one"})["data"]
    second = post(dev_server, f"{path}/root/generate/internal",
                  {"common_name": "two.example", "key_type": "ec",
                   "issuer_name": "two"})["data"]
    listed = dev_server.request("LIST", f"/v1/{path}/issuers", token=None)
    assert listed.status_code == 200  # LIST issuers is unauthenticated
    info = listed.json()["data"]["key_info"]
    assert info[root["issuer_id"]] == {"is_default": True, "issuer_name": "one",
                                       "key_id": root["key_id"],
                                       "serial_number": root["serial_number"]}
    assert info[second["issuer_id"]]["is_default"] is False
    config = dev_server.request("GET", f"/v1/{path}/config/issuers").json()["data"]
    assert config == {"default": root["issuer_id"], "default_follows_latest_issuer": False}
    changed = post(dev_server, f"{path}/config/issuers", {"default": "two"})["data"]
    assert changed["default"] == second["issuer_id"]
    refused = dev_server.request("POST", f"/v1/{path}/config/issuers", json={"default": "x"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "Error resolving issuer reference: unable to find PKI issuer for reference: x"]
    issuer = dev_server.request("GET", f"/v1/{path}/issuer/one").json()["data"]
    assert set(issuer) >= {"ca_chain", "certificate", "crl_distribution_points", "issuer_id",
                           "issuer_name", "issuing_certificates", "key_id",
                           "leaf_not_after_behavior", "manual_chain", "ocsp_servers",
                           "revocation_signature_algorithm", "revoked", "usage"}
    assert issuer["usage"] == "crl-signing,issuing-certificates,ocsp-signing,read-only"
    assert issuer["revocation_signature_algorithm"] == "ECDSAWithSHA256"
    assert issuer["manual_chain"] is None and issuer["revoked"] is False
    bad_usage = dev_server.request("POST", f"/v1/{path}/issuer/one", json={"usage": "bogus"})
    assert bad_usage.status_code == 400
    assert bad_usage.json()["errors"] == [
        "Unable to parse specified usages: [bogus] - valid values are crl-signing,"
        "issuing-certificates,ocsp-signing,read-only"]
    missing = dev_server.request("GET", f"/v1/{path}/issuer/nope")
    assert missing.status_code == bad_ref_status(dev_server)
    assert "unable to find PKI issuer for reference: nope" in missing.json()["errors"][0]
    keys = dev_server.request("LIST", f"/v1/{path}/keys").json()["data"]
    assert keys["key_info"][root["key_id"]] == {"is_default": True, "key_name": "k-one"}
    key = dev_server.request("GET", f"/v1/{path}/key/k-one").json()["data"]
    assert set(key) == {"key_id", "key_name", "key_type", "subject_key_id"}
    assert key["key_type"] == "ec"
    generated = post(dev_server, f"{path}/keys/generate/internal",
                     {"key_type": "ec", "key_name": "k2"})["data"]
    assert set(generated) == {"key_id", "key_name", "key_type"}
    taken = dev_server.request("POST", f"/v1/{path}/keys/generate/internal",
                               json={"key_type": "ec", "key_name": "k2"})
    assert taken.status_code == 400
    assert taken.json()["errors"] == ["key name already in use"]
    assert dev_server.request("GET", f"/v1/{path}/config/keys").json()["data"] == {
        "default": root["key_id"]}
    gone = dev_server.request("GET", f"/v1/{path}/key/nope")
    assert gone.status_code == bad_ref_status(dev_server)


def test_unauthenticated_reads(dev_server: ServerProcess) -> None:
    path = mount(dev_server)
    root = post(dev_server, f"{path}/root/generate/internal",
                {"common_name": "example.com", "key_type": "ec"})["data"]
    pem = root["certificate"]
    for sub, content_type, body in (
        ("ca/pem", "application/pem-certificate-chain", pem.encode()),
        ("ca_chain", "application/pkix-cert", pem.encode()),
        (f"issuer/{root['issuer_id']}/pem", "application/pem-certificate-chain",
         pem.encode() + b"\n"),
    ):
        answer = dev_server.request("GET", f"/v1/{path}/{sub}", token=None)
        assert answer.status_code == 200, sub
        assert answer.headers["Content-Type"] == content_type, sub
        assert answer.content == body, sub
    der = dev_server.request("GET", f"/v1/{path}/issuer/{root['issuer_id']}/der", token=None)
    assert x509.load_der_x509_certificate(der.content).serial_number == int(
        root["serial_number"].replace(":", ""), 16)
    as_json = dev_server.request("GET", f"/v1/{path}/issuer/{root['issuer_id']}/json",
                                 token=None).json()["data"]
    assert set(as_json) == {"ca_chain", "certificate", "issuer_id", "issuer_name"}
    assert as_json["certificate"] == pem + "\n"
    cert_ca = dev_server.request("GET", f"/v1/{path}/cert/ca", token=None).json()["data"]
    assert cert_ca == {"certificate": pem, "revocation_time": 0, "revocation_time_rfc3339": ""}
    chain = dev_server.request("GET", f"/v1/{path}/cert/ca_chain", token=None).json()["data"]
    assert chain["ca_chain"] == pem
    crl_pem = dev_server.request("GET", f"/v1/{path}/crl/pem", token=None)
    assert crl_pem.headers["Content-Type"] == "application/x-pem-file"
    assert x509.load_pem_x509_crl(crl_pem.content).issuer.rfc4514_string() == "CN=example.com"
    issuer_crl = dev_server.request("GET", f"/v1/{path}/issuer/default/crl",
                                    token=None).json()["data"]
    assert issuer_crl["crl"].startswith("-----BEGIN X509 CRL-----")
    assert issuer_crl["crl"].endswith("-----\n")
    cert_crl = dev_server.request("GET", f"/v1/{path}/cert/crl", token=None).json()["data"]
    assert cert_crl["certificate"].startswith("-----BEGIN X509 CRL-----")
    unknown = dev_server.request("GET", f"/v1/{path}/cert/aa:bb/raw", token=None)
    assert unknown.status_code == 204
    assert dev_server.request("GET", f"/v1/{path}/cert/aa:bb", token=None).status_code == 404
    # issuing is not public: no token, no certificate.
    refused = dev_server.request("POST", f"/v1/{path}/issue/web", token=None,
                                 json={"common_name": "a"})
    assert refused.status_code == 403


def test_config_endpoints_answer_with_their_state(dev_server: ServerProcess) -> None:
    path = mount(dev_server)
    urls = post(dev_server, f"{path}/config/urls",
                {"crl_distribution_points": "http://x/crl"})["data"]
    assert urls == {"crl_distribution_points": ["http://x/crl"],
                    "delta_crl_distribution_points": [], "enable_templating": False,
                    "issuing_certificates": [], "ocsp_servers": []}
    bad = dev_server.request("POST", f"/v1/{path}/config/urls",
                             json={"ocsp_servers": "notaurl"})
    assert bad.status_code == 400
    assert bad.json()["errors"] == ["invalid URL found in Authority Information Access (AIA) "
                                    "parameter ocsp_servers: notaurl"]
    crl = post(dev_server, f"{path}/config/crl", {"expiry": "24h"})["data"]
    assert crl["expiry"] == "24h" and crl["auto_rebuild"] is False
    delta = dev_server.request("POST", f"/v1/{path}/config/crl", json={"enable_delta": True})
    assert delta.status_code == 400
    assert delta.json()["errors"] == ["Delta CRLs cannot be enabled when auto rebuilding is "
                                      "disabled as the complete CRL is always regenerated!"]
    auto = dev_server.request("GET", f"/v1/{path}/config/auto-tidy").json()["data"]
    assert (auto["enabled"], auto["interval_duration"], auto["safety_buffer"]) == (
        False, 43200, 259200)
    status = dev_server.request("GET", f"/v1/{path}/tidy-status").json()["data"]
    assert status["state"] == "Inactive"


@pytest.mark.parametrize("body", [
    {"ttl": "2h", "max_ttl": "1h"}, {"key_bits": 1000}, {"key_type": "ec", "key_bits": 300},
    {"ext_key_usage_oids": "abc"}, {"key_type": "dsa"},
])
def test_bad_role_input_is_400(dev_server: ServerProcess, body: dict[str, Any]) -> None:
    path = mount(dev_server)
    answer = dev_server.request("POST", f"/v1/{path}/roles/r", json=body)
    assert answer.status_code == 400
    assert dev_server.request("GET", f"/v1/{path}/roles/r").status_code == 404


def test_sign_self_issued_checks(dev_server: ServerProcess) -> None:
    path = mount(dev_server)
    post(dev_server, f"{path}/root/generate/internal",
         {"common_name": "example.com", "key_type": "ec"})
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(True, None), critical=True).sign(key, None))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    strict = dev_server.request("POST", f"/v1/{path}/root/sign-self-issued", json={
        "certificate": pem, "require_matching_certificate_algorithms": True})
    assert strict.status_code == bad_ref_status(dev_server)
    assert strict.json()["errors"] == [
        "1 error occurred:\n\t* signing certificate's public key algorithm (ECDSA) does not "
        "match submitted certificate's (Ed25519), and require_matching_certificate_algorithms"
        " is true\n\n"]
    signed = post(dev_server, f"{path}/root/sign-self-issued", {"certificate": pem})["data"]
    assert set(signed) == {"certificate", "issuing_ca"}
    resigned = x509.load_pem_x509_certificate(signed["certificate"].encode())
    assert resigned.issuer.rfc4514_string() == "CN=example.com"
    garbage = dev_server.request("POST", f"/v1/{path}/root/sign-self-issued",
                                 json={"certificate": "x"})
    assert garbage.status_code == 400
    assert garbage.json()["errors"] == ["certificate could not be PEM-decoded"]


def test_deleting_the_default_issuer_warns(dev_server: ServerProcess) -> None:
    path = mount(dev_server)
    root = post(dev_server, f"{path}/root/generate/internal",
                {"common_name": "example.com", "key_type": "ec"})["data"]
    post(dev_server, f"{path}/roles/a", {"allow_any_name": True})
    deleted = dev_server.request("DELETE", f"/v1/{path}/issuer/{root['issuer_id']}")
    assert deleted.status_code == 200
    assert deleted.json()["warnings"] == [
        f"Deleted issuer {root['issuer_id']} (via issuer_ref {root['issuer_id']}); this was "
        "configured as the default issuer. Operations without an explicit issuer will not "
        "work until a new default is configured.", "1 roles reference default"]
    assert dev_server.request("GET", f"/v1/{path}/config/issuers").json()["data"][
        "default"] == ""
