"""Creating CAs: root/generate, intermediate/generate, set-signed, sign-intermediate,
sign-self-issued, root/rotate, root/replace, DELETE root, config/ca and issuers/import."""

from __future__ import annotations

import base64
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import ca
from pyvault.builtin.secrets.pki.certbuild import CertSpec, resign, sign_certificate, sign_csr
from pyvault.builtin.secrets.pki.engine import Engine, cert_pem, cert_response
from pyvault.builtin.secrets.pki.fields import CA_FIELDS, KEY_TYPES, SUBJECT_FIELDS, B, S, f
from pyvault.builtin.secrets.pki.issuing import build_names
from pyvault.builtin.secrets.pki.keys import (
    PrivateKey,
    generate_key,
    key_type_of,
    load_private_pem,
    normalize_key_params,
    private_der,
    private_pem,
    signature_algorithm_name,
)
from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore, serial_colon
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response

AIA_WARNING = (
    "This mount hasn't configured any authority information access (AIA) fields; this may "
    "make it harder for systems to find missing certificates in the chain or to validate "
    "revocation status of certificates. Consider updating /config/urls or the newly "
    "generated issuer with this information.")
NO_SUBJECT_WARNING = (
    "This issuer certificate was generated without a Subject; this makes it likely that "
    "issuing leaf certificates with this certificate will cause TLS validation libraries "
    "to reject this certificate.").replace("leaf certificates", "leaf certs")


def check_type(kind: str) -> None:
    if kind not in KEY_TYPES:
        raise InvalidRequest('the "exported" path parameter must be "internal", "existing", '
                             'exported" or "kms"')
    if kind == "kms":
        raise InvalidRequest("managed keys (kms) are not supported by this server")


class RootPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        bundle = {"pem_bundle": Field(type=S, sensitive=True,
                                       description="PEM-format, concatenated keys and "
                                                   "certificates.")}
        sign_fields = {**CA_FIELDS, "csr": f(S, "PEM-format CSR to be signed."),
                       "use_csr_values": f(B, "Take subject and SANs from the CSR."),
                       "issuer_ref": f(S, "Reference to the signing issuer.", "default"),
                       "certificate": f(S, "PEM-format self-issued certificate.")}
        return [
            Path(patterns=("root/generate/{type}", "root/rotate/{type}"), fields=CA_FIELDS,
                 operations=ops(update=self.generate_root),
                 synopsis="Generate a new CA certificate and private key used for signing."),
            Path(patterns=("intermediate/generate/{type}",), fields=CA_FIELDS,
                 operations=ops(update=self.generate_intermediate),
                 synopsis="Generate a new CSR and private key used for signing."),
            Path(patterns=("intermediate/set-signed",),
                 fields={"certificate": f(S, "PEM-format certificate (and chain).")},
                 operations=ops(update=self.set_signed),
                 synopsis="Provide the signed intermediate CA cert."),
            Path(patterns=("root/sign-intermediate", "issuer/{issuer_ref}/sign-intermediate"),
                 fields=sign_fields, operations=ops(update=self.sign_intermediate),
                 synopsis="Issue an intermediate CA certificate based on the provided CSR."),
            Path(patterns=("root/sign-self-issued", "issuer/{issuer_ref}/sign-self-issued"),
                 fields={**sign_fields, "require_matching_certificate_algorithms":
                         f(B, "Refuse to sign with a different key algorithm.")},
                 operations=ops(update=self.sign_self_issued),
                 synopsis="Signs another CA's self-issued certificate."),
            Path(patterns=("root",), operations=ops(delete=self.delete_root),
                 synopsis="Deletes every issuer and key of this mount."),
            Path(patterns=("root/replace",),
                 fields={"default": f(S, "Reference to the new default issuer.", "next")},
                 operations=ops(update=self.replace_root),
                 synopsis="Replace the current root (default) issuer."),
            Path(patterns=("config/ca", "issuers/import/cert", "issuers/import/bundle"),
                 fields=bundle, operations=ops(update=self.import_bundle),
                 synopsis="Import CA certificates (and keys) from a PEM bundle."),
        ]

    async def _key(self, request: Request, data: FieldData, kind: str) -> tuple[PrivateKey, str]:
        """The key to use: generated (internal/exported) or stored (existing)."""
        store = self.engine.store(request)
        if kind == "existing":
            entry = await store.resolve_key(data.get_str("key_ref"))
            return load_private_pem(entry.private_key), entry.id
        key_type, bits = normalize_key_params(data.get_str("key_type"), data.get_int("key_bits"))
        await ca.check_name_free(store, data.get_str("key_name"), "key")
        key = await generate_key(key_type, bits)
        entry = await ca.store_key(store, key, self.engine.new_id(), data.get_str("key_name"))
        return key, entry.id

    def _ca_spec(self, data: FieldData, warnings: list[str]) -> CertSpec:
        spec = CertSpec(serial=self.engine.serial(), is_ca=True)
        build_names(data, None, None, spec)
        spec.subject_fields = {k: data.get_list(k) for k in SUBJECT_FIELDS if data.get_list(k)}
        spec.max_path_length = data.get_int("max_path_length")
        spec.permitted_dns_domains = data.get_list("permitted_dns_domains")
        spec.signature_bits = data.get_int("signature_bits")
        spec.use_pss = data.get_bool("use_pss")
        return spec

    async def generate_root(self, request: Request, data: FieldData) -> Response:
        kind = data.get_str("type")
        check_type(kind)
        store = self.engine.store(request)
        await ca.check_name_free(store, data.get_str("issuer_name"))
        fmt = data.get_str("format")
        warnings: list[str] = []
        spec = self._ca_spec(data, warnings)
        now, spec.not_after = self.engine.resolve_ttl(data, 0, 0, warnings)
        spec.not_before = now - data.get_int("not_before_duration")
        issuer_id = self.engine.new_id()
        urls = await self.engine.urls(request, None, issuer_id)
        spec.issuing_certificates = urls["issuing_certificates"]
        spec.crl_distribution_points = urls["crl_distribution_points"]
        spec.ocsp_servers = urls["ocsp_servers"]
        spec.delta_crl_distribution_points = urls["delta_crl_distribution_points"]
        if fmt not in ("pem", "der", "pem_bundle"):
            raise InvalidRequest('the "format" path parameter must be "pem", "der", '
                                 'or "pem_bundle"')
        key, key_id = await self._key(request, data, kind)
        cert = await sign_certificate(spec, key.public_key(), key, None)
        issuer = IssuerEntry(id=issuer_id, name=data.get_str("issuer_name"),
                             key_id=key_id, certificate=cert_pem(cert),
                             revocation_signature_algorithm=signature_algorithm_name(key))
        await store.put_issuer(issuer)
        await store.put_cert(_serial(cert), issuer.certificate, issuer.id)
        if not request.path.startswith("root/rotate"):
            await store.adopt_new_issuer(issuer.id)
        exported = key if kind == "exported" else None
        body = cert_response(cert, fmt, [issuer.certificate], exported,
                             data.get_str("private_key_format"))
        body.pop("ca_chain", None)
        key_entry = await store.resolve_key(key_id)
        body.update(issuer_id=issuer.id, issuer_name=issuer.name, key_id=key_id,
                    key_name=key_entry.name)
        if not spec.common_name and not spec.subject_fields:
            warnings.append(NO_SUBJECT_WARNING)
        if not any(urls.values()):
            warnings.append(AIA_WARNING)
        return Response(data=body, warnings=warnings)

    async def generate_intermediate(self, request: Request, data: FieldData) -> Response:
        kind = data.get_str("type")
        check_type(kind)
        fmt = data.get_str("format")
        if fmt not in ("pem", "der", "pem_bundle"):
            raise InvalidRequest('the "format" path parameter must be "pem", "der", '
                                 'or "pem_bundle"')
        spec = self._ca_spec(data, [])
        spec.is_ca = data.get_bool("add_basic_constraints")
        key, key_id = await self._key(request, data, kind)
        csr = await sign_csr(spec, key)
        if fmt == "der":
            text = base64.b64encode(csr.public_bytes(serialization.Encoding.DER)).decode()
        else:
            text = csr.public_bytes(serialization.Encoding.PEM).decode().rstrip("\n")
        body: dict[str, Any] = {"csr": text, "key_id": key_id}
        if kind == "exported":
            key_format = data.get_str("private_key_format")
            body["private_key"] = (base64.b64encode(private_der(key, key_format)).decode()
                                   if fmt == "der" else private_pem(key, key_format))
            body["private_key_type"] = key_type_of(key)
        warnings = []
        if not await self.engine.has_mount_urls(request):
            warnings.append(AIA_WARNING + " Since this certificate is an intermediate, it "
                            "might be useful to regenerate this certificate after fixing this "
                            "problem for the root mount.")
        return Response(data=body, warnings=warnings)

    async def set_signed(self, request: Request, data: FieldData) -> Response:
        if not data.get_str("certificate"):
            raise InvalidRequest("no certificate provided in the \"certificate\" parameter")
        return await self._import(request, data.get_str("certificate"))

    async def import_bundle(self, request: Request, data: FieldData) -> Response:
        if not data.get_str("pem_bundle"):
            raise InvalidRequest("'pem_bundle' parameter was empty")
        if request.path == "issuers/import/cert":
            _certs, keys = ca.split_pem(data.get_str("pem_bundle"))
            if keys:
                raise InvalidRequest("private keys found in the PEM bundle but not allowed "
                                     "by the path; use /issuers/import/bundle")
        return await self._import(request, data.get_str("pem_bundle"))

    async def _import(self, request: Request, pem: str) -> Response:
        store = self.engine.store(request)
        result = await ca.import_bundle(store, pem, self.engine.new_id)
        warnings = []
        if not await self.engine.has_mount_urls(request) and result[
                "imported_issuers"]:
            warnings.append(AIA_WARNING)
        return Response(data=result, warnings=warnings)

    async def sign_intermediate(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        issuer = await store.resolve_issuer(data.get_str("issuer_ref"))
        key_entry = await store.key_of(issuer)
        if key_entry is None:
            raise InvalidRequest("issuer has no private key and cannot sign")
        try:
            csr = x509.load_pem_x509_csr(data.get_str("csr").encode())
        except ValueError:
            raise InvalidRequest("certificate request could not be parsed") from None
        warnings: list[str] = []
        spec = self._ca_spec(data, warnings)
        if data.get_bool("use_csr_values"):
            build_names(data, None, csr, spec)
            spec.subject_fields = {}
            subject = csr.subject
        else:
            subject = None
        now, not_after = self.engine.resolve_ttl(data, 0, 0, warnings)
        spec.not_before = now - data.get_int("not_before_duration")
        spec.not_after = self.engine.cap_to_issuer(not_after, issuer)
        urls = await self.engine.urls(request, issuer)
        spec.issuing_certificates = urls["issuing_certificates"]
        spec.crl_distribution_points = urls["crl_distribution_points"]
        spec.ocsp_servers = urls["ocsp_servers"]
        spec.delta_crl_distribution_points = urls["delta_crl_distribution_points"]
        key = load_private_pem(key_entry.private_key)
        cert = await sign_certificate(spec, csr.public_key(), key, issuer.cert(),  # type: ignore[arg-type]  # rsa/ec/ed25519 CSRs only
                                      subject=subject)
        await store.put_cert(_serial(cert), cert_pem(cert), issuer.id)
        chain = ca.chain_for(issuer, await store.issuers())
        body = cert_response(cert, data.get_str("format"), [issuer.certificate], None, "")
        body["ca_chain"] = [body["certificate"], *cert_response(
            cert, data.get_str("format"), chain, None, "")["ca_chain"]]
        if data.get_str("format") == "pem_bundle":
            body["certificate"] = body["certificate"] + "\n" + body["issuing_ca"]
        if not any(urls.values()):
            warnings.append(AIA_WARNING)
        return Response(data=body, warnings=warnings)

    async def sign_self_issued(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        issuer = await store.resolve_issuer(data.get_str("issuer_ref"))
        key_entry = await store.key_of(issuer)
        if key_entry is None:
            raise InvalidRequest("issuer has no private key and cannot sign")
        certs, _keys = ca.split_pem(data.get_str("certificate"))
        if not certs:
            raise InvalidRequest("certificate could not be PEM-decoded")
        cert = ca.parse_cert(certs[0])
        signer_alg = _GO_ALGORITHMS[key_type_of(load_private_pem(key_entry.private_key))]
        cert_alg = _GO_ALGORITHMS[key_type_of(cert.public_key())]  # type: ignore[arg-type]  # rsa/ec/ed25519
        if data.get_bool("require_matching_certificate_algorithms") and signer_alg != cert_alg:
            raise InvalidRequest(multierror(
                f"signing certificate's public key algorithm ({signer_alg}) does not match "
                f"submitted certificate's ({cert_alg}), and "
                "require_matching_certificate_algorithms is true"))
        if cert.issuer != cert.subject:
            raise InvalidRequest("given certificate is not self-issued")
        constraints = ca._basic_constraints(cert)
        if constraints is None or not constraints.ca:
            raise InvalidRequest("given certificate is not a CA certificate")
        key = load_private_pem(key_entry.private_key)
        signed = await resign(cert, issuer.cert(), key)
        return Response(data={"certificate": cert_pem(signed),
                              "issuing_ca": issuer.certificate})

    async def delete_root(self, request: Request, data: FieldData) -> Response | None:
        storage = request.require_storage()
        store = PKIStore(storage)
        for prefix in ("issuer/", "key/", "crl/"):
            for name in await store.children(prefix):
                await storage.delete(prefix + name)
        await storage.delete("config/issuers")
        await storage.delete("config/keys")
        return None

    async def replace_root(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        issuer = await store.resolve_issuer(data.get_str("default"))
        await store.set_default_issuer(issuer.id)
        return Response(data={"default": issuer.id, "default_follows_latest_issuer": False})



_GO_ALGORITHMS = {"rsa": "RSA", "ec": "ECDSA", "ed25519": "Ed25519"}


def _serial(cert: x509.Certificate) -> str:
    return serial_colon(cert.serial_number)
