"""revoke, revoke-with-key, crl/rotate(-delta), config/crl and config/urls."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import aia, ca
from pyvault.builtin.secrets.pki.crl import (
    CRL_DEFAULTS,
    after_revocation,
    crl_config,
    rebuild,
    rfc3339,
)
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import B, L, S, f
from pyvault.builtin.secrets.pki.keys import load_private_pem
from pyvault.builtin.secrets.pki.store import PKIStore, serial_colon, serial_key
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest, multierror
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

URL_FIELDS = aia.URL_KEYS


async def revoke_serial(store: PKIStore, serial: str, now: float) -> dict[str, Any]:
    """Record the revocation (idempotent: a second revoke answers the first time), then
    rebuild the CRLs now or, with ``auto_rebuild``, on the next CRL read."""
    serial = serial.strip().lower().replace("-", ":")
    existing = await store.get_revoked(serial)
    if existing is None:
        record = await store.get_cert(serial)
        if record is None:
            raise InvalidRequest(f"certificate with serial {serial} not found.")
        cert = ca.parse_cert(record["certificate"])
        if any(i.certificate == record["certificate"] for i in await store.issuers()):
            raise InvalidRequest("adding issuer (id: ) to revocation list is not allowed; "
                                 "use the issuer revocation API instead")
        if cert.not_valid_after_utc.timestamp() < now and not (
                await crl_config(store))["allow_expired_cert_revocation"]:
            return {}
        existing = {"serial_number": serial, "revocation_time": int(now),
                    "revocation_time_rfc3339": rfc3339(now),
                    "issuer_id": record.get("issuer_id", ""),
                    "certificate": record["certificate"]}
        await store.put_json("revoked/" + serial_key(serial), existing)
        await after_revocation(store, now)
    return {"revocation_time": existing["revocation_time"],
            "revocation_time_rfc3339": existing["revocation_time_rfc3339"],
            "state": "revoked"}


class RevokePaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        revoke_fields = {"serial_number": f(S, "Certificate serial number (hex, : or -)."),
                         "certificate": f(S, "The PEM certificate to revoke."),
                         "private_key": Field(type=S, sensitive=True, description=(
                             "The certificate's private key (revoke-with-key)."))}
        return [
            Path(patterns=("revoke", "revoke-with-key"), fields=revoke_fields,
                 operations=ops(update=self.revoke), synopsis="Revoke a certificate."),
            Path(patterns=("crl/rotate", "crl/rotate-delta"), operations=ops(read=self.rotate),
                 synopsis="Force a rebuild of the CRL."),
            Path(patterns=("config/crl",),
                 fields={k: f(B if isinstance(v, bool) else S, f"CRL setting {k}.")
                         for k, v in CRL_DEFAULTS.items()},
                 operations=ops(read=self.read_crl_config, update=self.write_crl_config),
                 synopsis="Configure the CRL expiration."),
            Path(patterns=("config/urls",),
                 fields={**{k: f(L, f"{k} URLs.") for k in URL_FIELDS},
                         "enable_templating": f(B, "Whether the URLs are templates.")},
                 operations=ops(read=self.read_urls, update=self.write_urls),
                 synopsis="Set the URLs for the issuing CA, CRL distribution points, and "
                          "OCSP servers."),
            Path(patterns=("config/cluster",),
                 fields={"path": f(S, "This cluster's API mount path, e.g. "
                                      "https://pr1.example.com:8200/v1/pki."),
                         "aia_path": f(S, "This cluster's unauthenticated AIA base path, "
                                          "e.g. http://pr1.example.com:8200/v1/pki.")},
                 operations=ops(read=self.read_cluster, update=self.write_cluster),
                 synopsis="Set cluster-local URLs used for AIA URL templating."),
        ]

    async def revoke(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        serial = data.get_str("serial_number")
        pem = data.get_str("certificate")
        if serial and pem:
            raise InvalidRequest("Must provide either the certificate or the serial to "
                                 "revoke; not both.")
        if not serial and not pem:
            raise InvalidRequest("The serial number or certificate to revoke must be provided.")
        if pem:
            cert = ca.parse_cert(pem)
            serial = serial_colon(cert.serial_number)
            stored = await store.get_cert(serial)
            if stored is not None and ca.parse_cert(stored["certificate"]) != cert:
                raise InvalidRequest("certificate does not match the stored certificate")
        if request.path == "revoke-with-key":
            await self._check_key(store, serial, data.get_str("private_key"))
        body = await revoke_serial(store, serial, self.engine.config.clock.now())
        return Response(data=body or None)

    @staticmethod
    async def _check_key(store: PKIStore, serial: str, key_pem: str) -> None:
        if not key_pem:
            raise InvalidRequest("must provide private key to revoke-with-key")
        record = await store.get_cert(serial)
        if record is None:
            raise InvalidRequest(f"certificate with serial {serial} not found.")
        key = load_private_pem(key_pem)
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        if ca.parse_cert(record["certificate"]).public_key().public_bytes(der, spki) != \
                key.public_key().public_bytes(der, spki):
            raise InvalidRequest("failed to validate private key match certificate")

    async def rotate(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        delta = request.path.endswith("-delta")
        if delta and not (await crl_config(store))["enable_delta"]:
            return Response(data={"success": True}, warnings=[
                "requested rebuild of delta CRL when delta CRL is not enabled; this is a no-op"])
        await rebuild(store, self.engine.config.clock.now(), delta_only=delta)
        return Response(data={"success": True})

    async def read_crl_config(self, request: Request, data: FieldData) -> Response:
        return Response(data=await crl_config(self.engine.store(request)))

    async def write_crl_config(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        config = await crl_config(store)
        for name, default in CRL_DEFAULTS.items():
            if data.given(name):
                value = data.get(name)
                if not isinstance(default, bool):
                    try:
                        parse_duration(value)
                    except ValueError:
                        raise InvalidRequest(f'given {name} could not be decoded: time: '
                                             f'invalid duration "{value}"') from None
                config[name] = value
        if config["enable_delta"] and not config["auto_rebuild"]:
            raise InvalidRequest("Delta CRLs cannot be enabled when auto rebuilding is "
                                 "disabled as the complete CRL is always regenerated!")
        await store.put_json("config/crl", config)
        await rebuild(store, self.engine.config.clock.now())
        return Response(data=config)

    async def read_urls(self, request: Request, data: FieldData) -> Response:
        config = await self.engine.store(request).get_json("config/urls") or {}
        body: dict[str, Any] = {k: config.get(k, []) for k in URL_FIELDS}
        body["enable_templating"] = config.get("enable_templating", False)
        return Response(data=body)

    async def write_urls(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        config = await store.get_json("config/urls") or {}
        for name in (*URL_FIELDS, "enable_templating"):
            if data.given(name):
                config[name] = data.get(name)
        warnings = []
        if config.get("enable_templating"):
            # Templates are only checked by filling them in; failing that is a warning
            # (issuance would fail), as Vault's, once there is an issuer to fill them for.
            if await store.issuers():
                urls = {k: list(config.get(k) or []) for k in URL_FIELDS}
                warning = aia.template_warning(urls, await aia.cluster_config(store))
                if warning:
                    warnings.append(warning)
        else:
            aia.check_urls(config, URL_FIELDS)
        await store.put_json("config/urls", config)
        answer = await self.read_urls(request, data)
        answer.warnings = warnings
        return answer

    async def read_cluster(self, request: Request, data: FieldData) -> Response:
        return Response(data=await aia.cluster_config(self.engine.store(request)))

    async def write_cluster(self, request: Request, data: FieldData) -> Response:
        """config/cluster: this cluster's own addresses, used by AIA templates."""
        store = self.engine.store(request)
        config = await aia.cluster_config(store)
        for name in ("path", "aia_path"):
            if data.given(name):
                value = data.get_str(name)
                if value and not aia.is_url(value):
                    raise InvalidRequest(multierror(
                        f"invalid, non-URL {name} given to cluster: {value}"))
                config[name] = value
        await store.put_json("config/cluster", config)
        return Response(data=config)

