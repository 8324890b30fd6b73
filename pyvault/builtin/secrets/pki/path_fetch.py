"""Reading certificates and CRLs: ca, ca/pem, ca_chain, cert/<serial>, certs,
certs/revoked, crl, crl/pem, crl/delta, issuer/<ref>/crl… (mostly unauthenticated)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import ca
from pyvault.builtin.secrets.pki.crl import crl_der, der_to_pem, revoked_entries
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import S, f
from pyvault.builtin.secrets.pki.path_issuers import not_found
from pyvault.builtin.secrets.pki.store import IssuerEntry, serial_from_key
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response

SERIAL = "{serial:[0-9A-Fa-f:\\-]+}"


class FetchPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        serial = {"serial": f(S, "Certificate serial number, in colon- or hyphen-separated "
                                 "octal")}
        ref = {"issuer_ref": f(S, "Reference to an issuer.")}
        return [
            Path(patterns=("ca", "ca/pem", "ca_chain", "cert/ca_chain"),
                 operations=ops(read=self.read_ca),
                 synopsis="Fetch the default issuer's certificate or chain."),
            Path(patterns=("crl", "crl/pem", "crl/delta", "crl/delta/pem"),
                 operations=ops(read=self.read_crl_raw),
                 synopsis="Fetch the default issuer's CRL."),
            Path(patterns=("issuer/{issuer_ref}/crl", "issuer/{issuer_ref}/crl/pem",
                           "issuer/{issuer_ref}/crl/der", "issuer/{issuer_ref}/crl/delta",
                           "issuer/{issuer_ref}/crl/delta/pem",
                           "issuer/{issuer_ref}/crl/delta/der"),
                 fields=ref, operations=ops(read=self.read_issuer_crl),
                 synopsis="Fetch an issuer's CRL."),
            Path(patterns=("cert/ca", "cert/crl", "cert/delta-crl"),
                 operations=ops(read=self.read_special_cert),
                 synopsis="Fetch the CA certificate or the CRL as JSON."),
            Path(patterns=(f"cert/{SERIAL}/raw", f"cert/{SERIAL}/raw/pem"), fields=serial,
                 operations=ops(read=self.read_cert_raw), synopsis="Fetch a certificate."),
            Path(patterns=(f"cert/{SERIAL}",), fields=serial,
                 operations=ops(read=self.read_cert), synopsis="Fetch a certificate."),
            Path(patterns=("certs",), operations=ops(list=self.list_certs),
                 synopsis="Fetch a list of all issued certificates."),
            Path(patterns=("certs/revoked",), operations=ops(list=self.list_revoked),
                 synopsis="List all revoked serial numbers within this mount."),
        ]

    async def _default(self, request: Request) -> IssuerEntry | None:
        return await self.engine.store(request).find_issuer("default")

    async def read_ca(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        issuer = await self._default(request)
        if request.path in ("ca_chain", "cert/ca_chain"):
            chain = ca.chain_for(issuer, await store.issuers()) if issuer else []
            text = "\n".join(chain)
            if request.path == "cert/ca_chain":
                return Response(data={"ca_chain": text, "certificate": text})
            return Response(raw_body=text.encode(), content_type="application/pkix-cert")
        if issuer is None:
            return Response(raw_body=b"", content_type="application/pkix-cert", status=204)
        if request.path == "ca/pem":
            return Response(raw_body=issuer.certificate.encode(),
                            content_type="application/pem-certificate-chain")
        return Response(raw_body=issuer.cert().public_bytes(serialization.Encoding.DER),
                        content_type="application/pkix-cert")

    async def _crl(self, request: Request, issuer: IssuerEntry | None, delta: bool,
                   pem: bool) -> Response:
        der = b""
        if issuer is not None:
            der = await crl_der(self.engine.store(request), issuer.id,
                                self.engine.config.clock.now(), delta)
        if pem:
            return Response(raw_body=der_to_pem(der).rstrip("\n").encode(),
                            content_type="application/x-pem-file")
        return Response(raw_body=der, content_type="application/pkix-crl")

    async def read_crl_raw(self, request: Request, data: FieldData) -> Response:
        return await self._crl(request, await self._default(request),
                               "delta" in request.path, request.path.endswith("/pem"))

    async def read_issuer_crl(self, request: Request, data: FieldData) -> Response:
        reference = data.get_str("issuer_ref")
        issuer = await self.engine.store(request).find_issuer(reference)
        if issuer is None:
            raise not_found(reference)
        delta = "/delta" in request.path
        if request.path.endswith(("/pem", "/der")):
            return await self._crl(request, issuer, delta, request.path.endswith("/pem"))
        der = await crl_der(self.engine.store(request), issuer.id,
                            self.engine.config.clock.now(), delta)
        return Response(data={"crl": der_to_pem(der)})

    async def read_special_cert(self, request: Request, data: FieldData) -> Response | None:
        issuer = await self._default(request)
        if issuer is None:
            return None
        if request.path == "cert/ca":
            return Response(data={"certificate": issuer.certificate,
                                  "revocation_time": 0, "revocation_time_rfc3339": ""})
        der = await crl_der(self.engine.store(request), issuer.id,
                            self.engine.config.clock.now(), request.path == "cert/delta-crl")
        return Response(data={"certificate": der_to_pem(der).rstrip("\n"), "revocation_time": 0,
                              "revocation_time_rfc3339": ""})

    async def read_cert(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        serial = data.get_str("serial")
        record = await store.get_cert(serial)
        if record is None:
            return None
        body = {"certificate": record["certificate"], "revocation_time": 0,
                "revocation_time_rfc3339": ""}
        revoked = await store.get_revoked(serial)
        if revoked is not None:
            body.update(issuer_id=revoked.get("issuer_id", ""),
                        revocation_time=revoked["revocation_time"],
                        revocation_time_rfc3339=revoked["revocation_time_rfc3339"])
        return Response(data=body)

    async def read_cert_raw(self, request: Request, data: FieldData) -> Response:
        record = await self.engine.store(request).get_cert(data.get_str("serial"))
        if record is None:
            # Vault answers an unknown serial on the raw forms with an empty 204.
            return Response(raw_body=b"", status=204, content_type="application/pkix-cert")
        if request.path.endswith("/pem"):
            return Response(raw_body=record["certificate"].encode(),
                            content_type="application/pem-certificate-chain")
        der = ca.parse_cert(record["certificate"]).public_bytes(serialization.Encoding.DER)
        return Response(raw_body=der, content_type="application/pkix-cert")

    async def list_certs(self, request: Request, data: FieldData) -> Response | None:
        keys = [serial_from_key(k) for k in await self.engine.store(request).children("certs/")]
        return Response(data={"keys": keys}) if keys else None

    async def list_revoked(self, request: Request, data: FieldData) -> Response | None:
        keys = sorted(r["serial_number"]
                      for r in await revoked_entries(self.engine.store(request)))
        return Response(data={"keys": keys}) if keys else None
