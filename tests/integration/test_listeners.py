"""Listener configuration: two listener blocks give two listeners, TLS listeners
serve HTTPS with the configured certificate, and mutual TLS refuses clients without
a certificate when asked to."""

from __future__ import annotations

import datetime
import json
import ssl
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.server import PyvaultServer, call, free_port


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
            __import__("ipaddress").ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def https_get(url: str, context: ssl.SSLContext) -> dict[str, object]:
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        body: dict[str, object] = json.loads(response.read())
        return body


def test_two_listeners_one_plain_one_tls(server: PyvaultServer) -> None:
    cert, key = self_signed(server.workdir, "server")
    tls_port = free_port()
    config = server.workdir / "two.hcl"
    config.write_text(
        'storage "inmem" {}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{server.port}"\n  tls_disable = true\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{tls_port}"\n'
        f'  tls_cert_file = "{cert}"\n  tls_key_file = "{key}"\n  tls_min_version = "tls12"\n}}\n'
    )
    server.start(f"-config={config}")
    assert call(server.addr, "GET", "sys/seal-status").body["initialized"] is False
    context = ssl.create_default_context(cafile=str(cert))
    body = https_get(f"https://127.0.0.1:{tls_port}/v1/sys/seal-status", context)
    assert body["sealed"] is True
    with pytest.raises(urllib.error.URLError):
        https_get(f"https://127.0.0.1:{tls_port}/v1/sys/seal-status",
                  ssl.create_default_context())  # an unknown CA is refused by the client


def test_mutual_tls_requires_a_client_certificate(server: PyvaultServer) -> None:
    cert, key = self_signed(server.workdir, "server")
    client_cert, client_key = self_signed(server.workdir, "client")
    config = server.workdir / "mtls.hcl"
    config.write_text(
        'storage "inmem" {}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{server.port}"\n'
        f'  tls_cert_file = "{cert}"\n  tls_key_file = "{key}"\n'
        f'  tls_client_ca_file = "{client_cert}"\n'
        "  tls_require_and_verify_client_cert = true\n}\n"
    )
    server.start_tls(f"-config={config}", cafile=cert, client=(client_cert, client_key))
    url = f"https://127.0.0.1:{server.port}/v1/sys/seal-status"
    anonymous = ssl.create_default_context(cafile=str(cert))
    with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
        https_get(url, anonymous)
    trusted = ssl.create_default_context(cafile=str(cert))
    trusted.load_cert_chain(str(client_cert), str(client_key))
    assert https_get(url, trusted)["sealed"] is True


def test_bad_config_stops_start_up_with_one_clear_line(server: PyvaultServer) -> None:
    config = server.workdir / "bad.hcl"
    config.write_text('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:1"\n'
                      '  colour = "blue"\n}\n')
    with pytest.raises(RuntimeError, match="exited"):
        server.start(f"-config={config}")
    log = server.log_tail()
    assert "bad.hcl" in log and "colour" in log
    assert "Traceback" not in log
