"""Bad input is a 400 with a Vault error body, never an unhandled exception (500)."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.logical.errors import VaultError
from tests.unit.pki.support import PKI

GARBAGE = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"
KEY_GARBAGE = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"


@pytest.mark.parametrize(("path", "body"), [
    ("intermediate/set-signed", {"certificate": GARBAGE}),
    ("intermediate/set-signed", {}),
    ("config/ca", {"pem_bundle": GARBAGE}),
    ("config/ca", {"pem_bundle": KEY_GARBAGE}),
    ("issuers/import/bundle", {"pem_bundle": ""}),
    ("keys/import", {"pem_bundle": KEY_GARBAGE}),
    ("keys/import", {"pem_bundle": "nothing"}),
    ("root/sign-intermediate", {"csr": "nope"}),
    ("root/sign-self-issued", {"certificate": GARBAGE}),
    ("sign-verbatim", {"csr": ""}),
    ("sign-verbatim", {"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAA\n-----END "
                              "CERTIFICATE REQUEST-----"}),
    ("revoke", {"certificate": GARBAGE}),
    ("revoke", {"serial_number": "zz"}),
    ("revoke-with-key", {"serial_number": "aa"}),
    ("issuer/default", {"manual_chain": "nope"}),
    ("issuer/default", {"issuer_name": "default"}),
    ("config/issuers", {"default": "nope"}),
    ("config/keys", {"default": "nope"}),
    ("config/crl", {"expiry": "soon"}),
    ("root/generate/internal", {"key_type": "ec", "not_after": "tomorrow"}),
    ("root/generate/internal", {"key_type": "ec", "format": "xml"}),
    ("root/generate/internal", {"key_type": "ec", "ip_sans": "1.2.3"}),
    ("root/generate/internal", {"key_type": "ec", "other_sans": "1.2.3;INT:4"}),
    ("root/generate/internal", {"key_type": "ec", "key_name": "default"}),
    ("root/generate/existing", {"key_ref": "nope"}),
    ("issue/web", {"common_name": "a.example.com", "ttl": "forever"}),
    ("roles/web", {"key_type": "rsa", "signature_bits": 123}),
    ("roles/web", {"cn_validations": "bogus"}),
])
async def test_bad_input_is_a_client_error(path: str, body: dict[str, Any]) -> None:
    pki = PKI()
    await pki.root()
    await pki.write("roles/web", {"allowed_domains": "example.com", "allow_subdomains": True,
                                  "key_type": "ec"})
    with pytest.raises(VaultError) as raised:
        await pki.write(path, body)
    assert raised.value.status == 400
    assert "PRIVATE KEY" not in str(raised.value)
