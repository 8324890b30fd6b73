"""Issuing: issue/<role>, sign/<role>, sign-verbatim[/<role>] and the issuer/<ref>/… forms.

Each answer carries Vault's fields: certificate, issuing_ca, ca_chain, serial_number,
expiration (+ private_key, private_key_type for issue). With ``generate_lease`` the
certificate is also a lease whose revocation revokes the certificate.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pyvault.builtin.secrets.pki import ca
from pyvault.builtin.secrets.pki.certbuild import sign_certificate
from pyvault.builtin.secrets.pki.engine import Engine, cert_pem, cert_response
from pyvault.builtin.secrets.pki.fields import NAME_FIELDS, B, I, L, S, f
from pyvault.builtin.secrets.pki.issuing import leaf_spec, verbatim_role
from pyvault.builtin.secrets.pki.keys import (
    PrivateKey,
    PublicKey,
    generate_key,
    key_bits_of,
    key_type_of,
    load_private_pem,
    normalize_key_params,
)
from pyvault.builtin.secrets.pki.path_roles import load_role
from pyvault.builtin.secrets.pki.special import guard_issuing
from pyvault.builtin.secrets.pki.store import IssuerEntry, serial_colon
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response, Secret

ISSUE_FIELDS = {
    **NAME_FIELDS,
    "role": f(S, "The desired role with configuration for this request."),
    "issuer_ref": f(S, "Reference to the issuer; overrides the role's issuer_ref."),
}
SIGN_FIELDS = {**ISSUE_FIELDS, "csr": f(S, "PEM-format CSR to be signed.")}
VERBATIM_FIELDS = {
    **SIGN_FIELDS,
    "key_usage": f(L, "Key usages of the certificate.",
                   ["DigitalSignature", "KeyAgreement", "KeyEncipherment"]),
    "ext_key_usage": f(L, "Extended key usages of the certificate."),
    "ext_key_usage_oids": f(L, "Extended key usage OIDs of the certificate."),
    "signature_bits": f(I, "Bits of the signature hash.", 0),
    "use_pss": f(B, "Sign with RSA-PSS."),
}


def parse_csr(text: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(text.strip().encode())
    except ValueError:
        raise InvalidRequest("certificate request could not be parsed") from None
    if not csr.is_signature_valid:
        raise InvalidRequest("request signature invalid")
    return csr


class IssuePaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("issue/{role}", "issuer/{issuer_ref}/issue/{role}"),
                 fields=ISSUE_FIELDS, operations=ops(update=self.issue),
                 synopsis="Request a certificate using a certain role with the provided "
                          "details."),
            Path(patterns=("sign/{role}", "issuer/{issuer_ref}/sign/{role}"),
                 fields=SIGN_FIELDS, operations=ops(update=self.sign),
                 synopsis="Request certificates using a certain role with the provided "
                          "details."),
            Path(patterns=("sign-verbatim", "sign-verbatim/{role}",
                           "issuer/{issuer_ref}/sign-verbatim",
                           "issuer/{issuer_ref}/sign-verbatim/{role}"),
                 fields=VERBATIM_FIELDS, operations=ops(update=self.sign_verbatim),
                 synopsis="Request certificates using a CSR, signed with no role checks."),
        ]

    async def _role(self, request: Request, data: FieldData) -> dict[str, Any]:
        guard_issuing(request.path)
        name = data.get_str("role")
        role = await load_role(request, name)
        if role is None:
            raise InvalidRequest(f"unknown role: {name}")
        return role

    async def _issuer(self, request: Request, data: FieldData,
                      role: dict[str, Any]) -> tuple[IssuerEntry, PrivateKey]:
        store = self.engine.store(request)
        ref = data.get_str("issuer_ref") or role["issuer_ref"] or "default"
        issuer = await store.resolve_issuer(ref)
        if not issuer.has_usage("issuing-certificates"):
            raise InvalidRequest(multierror(
                "error fetching CA certificate: error while attempting to use issuer "
                f"{issuer.id}: requested usage issuing-certificates for issuer "
                f"[id:{issuer.id}{' / name:' + issuer.name if issuer.name else ''}] "
                f"but only had usage {issuer.usage}"))
        key_entry = await store.key_of(issuer)
        if key_entry is None:
            raise InvalidRequest("unable to fetch corresponding key for issuer "
                                 f"{issuer.id}; unable to use this issuer for signing")
        return issuer, load_private_pem(key_entry.private_key)

    async def issue(self, request: Request, data: FieldData) -> Response:
        role = await self._role(request, data)
        if role["key_type"] == "any":
            raise InvalidRequest('role key type "any" not allowed for issuing certificates, '
                                 "only signing")
        issuer, signer = await self._issuer(request, data, role)
        warnings: list[str] = []
        urls = await self.engine.urls(request, issuer)
        spec = await leaf_spec(self.engine, data, role, issuer, None, warnings, urls)
        self._check_format(data)
        key_type, bits = normalize_key_params(role["key_type"], role["key_bits"])
        key = await generate_key(key_type, bits)
        return await self._finish(request, data, role, issuer, signer, spec, key.public_key(),
                                  key, warnings)

    async def sign(self, request: Request, data: FieldData) -> Response:
        role = await self._role(request, data)
        return await self._sign_csr(request, data, role, verbatim=False)

    async def sign_verbatim(self, request: Request, data: FieldData) -> Response:
        guard_issuing(request.path)
        role = verbatim_role(data)
        if data.given("role") and data.get_str("role"):
            stored = await self._role(request, data)
            for keep in ("ttl", "max_ttl", "generate_lease", "no_store", "issuer_ref",
                         "not_before_duration"):
                role[keep] = stored[keep]
        return await self._sign_csr(request, data, role, verbatim=True)

    async def _sign_csr(self, request: Request, data: FieldData, role: dict[str, Any],
                        *, verbatim: bool) -> Response:
        csr_text = data.get_str("csr")
        if not csr_text:
            raise InvalidRequest("\"csr\" is empty")
        csr = parse_csr(csr_text)
        public = csr.public_key()
        self._check_csr_key(role, public)  # type: ignore[arg-type]  # validated just below
        issuer, signer = await self._issuer(request, data, role)
        warnings: list[str] = []
        urls = await self.engine.urls(request, issuer)
        spec = await leaf_spec(self.engine, data, role, issuer, csr, warnings, urls)
        self._check_format(data)
        subject = csr.subject if verbatim else None
        return await self._finish(request, data, role, issuer, signer, spec,
                                  public, None, warnings, subject)  # type: ignore[arg-type]  # checked key types

    @staticmethod
    def _check_csr_key(role: dict[str, Any], public: PublicKey) -> None:
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey
                          | ed25519.Ed25519PublicKey):
            raise InvalidRequest("unsupported key type in CSR")
        if role["key_type"] == "any":
            return
        actual = key_type_of(public)
        if actual != role["key_type"]:
            raise InvalidRequest(f"role requires keys of type {role['key_type']}")
        bits = key_bits_of(public)
        if actual == "rsa" and bits < role["key_bits"]:
            raise InvalidRequest(f"RSA key at least {role['key_bits']} bits in size "
                                 f"(was {bits})")
        if actual == "ec" and role["key_bits"] and bits != role["key_bits"]:
            raise InvalidRequest(f"role requires EC key of size {role['key_bits']} "
                                 f"(was {bits})")

    @staticmethod
    def _check_format(data: FieldData) -> None:
        if data.get_str("format") not in ("pem", "der", "pem_bundle"):
            raise InvalidRequest('the "format" path parameter must be "pem", "der", or '
                                 '"pem_bundle"')

    async def _finish(self, request: Request, data: FieldData, role: dict[str, Any],
                      issuer: IssuerEntry, signer: PrivateKey, spec: Any, public: PublicKey,
                      key: PrivateKey | None, warnings: list[str],
                      subject: x509.Name | None = None) -> Response:
        cert = await sign_certificate(spec, public, signer, issuer.cert(), subject)
        serial = serial_colon(cert.serial_number)
        store = self.engine.store(request)
        if not role["no_store"]:
            await store.put_cert(serial, cert_pem(cert), issuer.id)
        chain = ca.chain_for(issuer, await store.issuers())
        body = cert_response(cert, data.get_str("format"), chain, key,
                             data.get_str("private_key_format"),
                             data.get_bool("remove_roots_from_chain"))
        if data.get_str("format") == "pem_bundle":
            parts = [body.get("private_key", ""), cert_pem(cert), body.get("issuing_ca", "")]
            body["certificate"] = "\n".join(p for p in parts if p)
        response = Response(data=body, warnings=warnings)
        if role["generate_lease"]:
            ttl = max(0, body["expiration"] - self.engine.now())
            response.secret = Secret(lease_duration=ttl, renewable=False)
        return response
