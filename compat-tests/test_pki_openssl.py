"""The openssl command line accepts what the PKI mount makes: a root → intermediate →
leaf chain verifies, the CRL parses and lists a revoked serial, and the OCSP responder
answers ``good`` then ``revoked`` for the same certificate.

OCSP goes both ways of RFC 6960 appendix A.1: POST (``openssl ocsp -url``, its default:
a DER body of type ``application/ocsp-request``) and GET (``ocsp/<base64 DER request>``,
the request written with ``-reqout``, the answer checked with ``-respin``).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from harness import ServerProcess

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=30)


def build_chain(server: ServerProcess, tag: str) -> tuple[str, str, dict[str, str]]:
    client = server.client()
    root_path, int_path = f"ossl-root-{tag}", f"ossl-int-{tag}"
    client.sys.enable_secrets_engine("pki", path=root_path)
    client.sys.enable_secrets_engine("pki", path=int_path)
    root = client.secrets.pki.generate_root(
        "internal", "Root CA", extra_params={"key_type": "ec"},
        mount_point=root_path)["data"]["certificate"]
    csr = client.secrets.pki.generate_intermediate(
        "internal", "Intermediate CA", extra_params={"key_type": "ec"},
        mount_point=int_path)["data"]["csr"]
    signed = client.secrets.pki.sign_intermediate(
        csr, "Intermediate CA", extra_params={"ttl": "400h"},
        mount_point=root_path)["data"]["certificate"]
    client.secrets.pki.set_signed_intermediate(signed, mount_point=int_path)
    client.secrets.pki.create_or_update_role(
        "leaf", extra_params={"allowed_domains": "example.com", "allow_subdomains": True,
                              "key_type": "ec"}, mount_point=int_path)
    leaf = client.secrets.pki.generate_certificate(
        "leaf", "www.example.com", extra_params={"ttl": "1h"},
        mount_point=int_path)["data"]
    return root, signed, {**leaf, "mount": int_path}


def test_chain_crl_and_ocsp(dev_server: ServerProcess, tmp_path: Path) -> None:
    root, intermediate, leaf = build_chain(dev_server, dev_server.kind)
    (tmp_path / "root.pem").write_text(root + "\n")
    (tmp_path / "int.pem").write_text(intermediate + "\n")
    (tmp_path / "leaf.pem").write_text(leaf["certificate"] + "\n")
    verified = openssl("verify", "-CAfile", "root.pem", "-untrusted", "int.pem", "leaf.pem",
                       cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == "leaf.pem: OK"

    def ocsp_get() -> str:
        made = openssl("ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-reqout", "req.der",
                       "-no_nonce", cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        encoded = quote(base64.b64encode((tmp_path / "req.der").read_bytes()).decode(), safe="")
        answer = dev_server.request("GET", f"/v1/{leaf['mount']}/ocsp/{encoded}", token=None)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/ocsp-response"
        (tmp_path / "resp.der").write_bytes(answer.content)
        checked = openssl("ocsp", "-respin", "resp.der", "-issuer", "int.pem", "-cert",
                          "leaf.pem", "-CAfile", "root.pem", "-verify_other", "int.pem",
                          cwd=tmp_path)
        assert checked.returncode == 0, checked.stderr
        assert "Response verify OK" in checked.stderr + checked.stdout
        return checked.stdout.split("leaf.pem: ", 1)[1].split()[0]

    def ocsp_post() -> str:
        """openssl itself POSTs the DER request (with a nonce) and verifies the answer."""
        asked = openssl("ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-url",
                        f"{dev_server.addr}/v1/{leaf['mount']}/ocsp", "-CAfile", "root.pem",
                        "-verify_other", "int.pem", cwd=tmp_path)
        assert asked.returncode == 0, asked.stderr
        assert "Response verify OK" in asked.stderr + asked.stdout
        return asked.stdout.split("leaf.pem: ", 1)[1].split()[0]

    assert (ocsp_post(), ocsp_get()) == ("good", "good")
    dev_server.client().secrets.pki.revoke_certificate(leaf["serial_number"],
                                                        mount_point=leaf["mount"])
    assert (ocsp_post(), ocsp_get()) == ("revoked", "revoked")

    crl = dev_server.request("GET", f"/v1/{leaf['mount']}/crl", token=None)
    assert crl.headers["Content-Type"] == "application/pkix-crl"
    (tmp_path / "crl.der").write_bytes(crl.content)
    parsed = openssl("crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text",
                     "-CAfile", "int.pem", cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    assert "verify OK" in parsed.stderr + parsed.stdout
    wanted = leaf["serial_number"].replace(":", "").upper()
    assert f"Serial Number: {wanted}" in parsed.stdout


def test_ocsp_post_bad_bodies(dev_server: ServerProcess) -> None:
    """Vault's answers to POSTs that are not OCSP requests: DER OCSP errors, not JSON."""
    client = dev_server.client()
    client.sys.enable_secrets_engine("pki", path="ossl-bad")
    client.secrets.pki.generate_root("internal", "Root CA", extra_params={"key_type": "ec"},
                                     mount_point="ossl-bad")
    malformed = bytes([0x30, 0x03, 0x0A, 0x01, 0x01])  # OCSPResponse{malformedRequest}
    for body, ctype in ((b"garbage", "application/ocsp-request"),
                        (b"", "application/ocsp-request"),
                        (b'{"a": 1}', "application/json")):
        answer = dev_server.request("POST", "/v1/ossl-bad/ocsp", token=None, data=body,
                                    headers={"Content-Type": ctype})
        assert answer.status_code == 400, (body, answer.content)
        assert answer.headers["Content-Type"] == "application/ocsp-response"
        assert answer.content == malformed
