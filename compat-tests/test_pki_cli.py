"""The bao CLI driving a PKI mount (generic read/write/list), on pyvault and the reference."""

from __future__ import annotations

import json

from cryptography import x509
from harness import ServerProcess


def test_cli_root_role_issue_list(dev_server: ServerProcess) -> None:
    def bao(*args: str) -> str:
        done = dev_server.bao(*args, token="root")
        assert done.returncode == 0, done.stderr
        return done.stdout

    bao("secrets", "enable", "-path=pki-cli", "pki")
    pem = bao("write", "-field=certificate", "pki-cli/root/generate/internal",
              "common_name=cli.example", "key_type=ec")
    root = x509.load_pem_x509_certificate(pem.encode())
    assert root.subject.rfc4514_string() == "CN=cli.example"
    bao("write", "pki-cli/roles/web", "allowed_domains=example.com", "allow_subdomains=true",
        "key_type=ec", "ttl=1h")
    issued = json.loads(bao("write", "-format=json", "pki-cli/issue/web",
                            "common_name=w.example.com"))
    assert issued["data"]["private_key_type"] == "ec"
    listed = json.loads(bao("list", "-format=json", "pki-cli/certs"))
    assert issued["data"]["serial_number"] in listed
    roles = json.loads(bao("list", "-format=json", "pki-cli/roles"))
    assert roles == ["web"]
    refused = dev_server.bao("write", "pki-cli/issue/web", "common_name=x.other.com",
                             token="root")
    assert refused.returncode == 2
    assert "common name x.other.com not allowed by this role" in refused.stderr
