"""The multi-issuer API: issuers list, issuer/<ref> (read, update, delete, json/pem/der),
config/issuers (the default issuer), keys, key/<ref>, keys/generate and keys/import."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki import aia, ca
from pyvault.builtin.secrets.pki.crl import rebuild, rfc3339
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import B, I, L, S, f
from pyvault.builtin.secrets.pki.keys import (
    generate_key,
    load_private_pem,
    normalize_key_params,
    private_pem,
)
from pyvault.builtin.secrets.pki.path_root import check_type
from pyvault.builtin.secrets.pki.store import ISSUER_USAGES, IssuerEntry, PKIStore, serial_colon
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.request import Request
from pyvault.logical.response import Response

ISSUER_FIELDS = {
    "issuer_ref": f(S, "Reference to an issuer: its id, its name or \"default\"."),
    "issuer_name": f(S, "A new name for the issuer."),
    "leaf_not_after_behavior": f(S, 'What to do when a leaf would outlive the issuer: '
                                    '"err", "truncate" or "permit".', "err"),
    "usage": f(L, "Allowed usages of this issuer."),
    "manual_chain": f(L, "Issuer references that make up this issuer's chain."),
    "revocation_signature_algorithm": f(S, "Signature algorithm for CRLs and OCSP."),
    "issuing_certificates": f(L, "AIA issuing certificate URLs of this issuer."),
    "crl_distribution_points": f(L, "CRL distribution point URLs of this issuer."),
    "ocsp_servers": f(L, "OCSP server URLs of this issuer."),
    "enable_aia_url_templating": f(B, "Whether the AIA URLs are templates."),
    "delta_crl_distribution_points": f(L, "Delta CRL distribution point URLs."),
}
KEY_FIELDS = {
    "key_ref": f(S, "Reference to a key: its id, its name or \"default\"."),
    "key_name": f(S, "A name for the key."),
    "key_type": f(S, "The key type.", "rsa"), "key_bits": f(I, "The key size.", 0),
    "type": f(S, "internal or exported."),
    "pem_bundle": Field(type=S, sensitive=True,
                        description="The PEM-encoded private key to import."),
}


def issuer_view(issuer: IssuerEntry, chain: list[str]) -> dict[str, Any]:
    """Vault's issuer read. With URLs of its own, the unset URL lists read as null and
    ``enable_aia_url_templating`` is shown; without, the lists are empty."""
    own = aia.has_own_urls(issuer)
    urls: dict[str, Any] = {key: getattr(issuer, key) or (None if own else [])
                            for key in aia.ISSUER_URL_KEYS}
    urls["delta_crl_distribution_points"] = None if own else []
    if own:
        urls["enable_aia_url_templating"] = issuer.enable_aia_url_templating
    return {
        "ca_chain": [c + "\n" for c in chain], "certificate": issuer.certificate + "\n",
        **urls, "issuer_id": issuer.id, "issuer_name": issuer.name,
        "key_id": issuer.key_id, "leaf_not_after_behavior": issuer.leaf_not_after_behavior,
        "manual_chain": issuer.manual_chain,
        "revocation_signature_algorithm": issuer.revocation_signature_algorithm,
        "revoked": issuer.revoked, "usage": issuer.usage,
        **({"revocation_time": issuer.revocation_time,
            "revocation_time_rfc3339": rfc3339(issuer.revocation_time)}
           if issuer.revoked else {}),
    }


def not_found(ref: str) -> InvalidRequest:
    return InvalidRequest(f"unable to find PKI issuer for reference: {ref}")


class IssuerPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        return [
            Path(patterns=("issuers",), operations=ops(list=self.list_issuers),
                 synopsis="Fetch a list of CA certificates."),
            Path(patterns=("issuer/{issuer_ref}/json", "issuer/{issuer_ref}/pem",
                           "issuer/{issuer_ref}/der"),
                 fields={"issuer_ref": ISSUER_FIELDS["issuer_ref"]},
                 operations=ops(read=self.read_raw),
                 synopsis="Fetch a single issuer certificate (unauthenticated)."),
            Path(patterns=("issuer/{issuer_ref}/revoke",),
                 fields={"issuer_ref": ISSUER_FIELDS["issuer_ref"]},
                 operations=ops(update=self.revoke),
                 synopsis="Revoke the specified issuer certificate."),
            Path(patterns=("issuer/{issuer_ref}",), fields=ISSUER_FIELDS,
                 operations=ops(read=self.read, update=self.update, patch=self.patch,
                                delete=self.delete),
                 synopsis="Fetch, update or delete a single issuer."),
            Path(patterns=("config/issuers",),
                 fields={"default": f(S, "Reference to the default issuer."),
                         "default_follows_latest_issuer": f(B, "Make new issuers the default.")},
                 operations=ops(read=self.read_config, update=self.write_config),
                 synopsis="Read and set the default issuer."),
            Path(patterns=("keys",), operations=ops(list=self.list_keys),
                 synopsis="Fetch a list of all issuer keys."),
            Path(patterns=("keys/generate/{type}",), fields=KEY_FIELDS,
                 operations=ops(update=self.generate_key), synopsis="Generate a new key."),
            Path(patterns=("keys/import",), fields=KEY_FIELDS,
                 operations=ops(update=self.import_key), synopsis="Import a private key."),
            Path(patterns=("key/{key_ref}",), fields=KEY_FIELDS,
                 operations=ops(read=self.read_key, update=self.update_key,
                                delete=self.delete_key),
                 synopsis="Fetch, rename or delete a single key."),
            Path(patterns=("config/keys",), fields={"default": f(S, "The default key.")},
                 operations=ops(read=self.read_key_config, update=self.write_key_config),
                 synopsis="Read and set the default key."),
        ]

    async def list_issuers(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        default = await store.default_issuer_id()
        issuers = await store.issuers()
        if not issuers:
            return None
        info = {i.id: {"is_default": i.id == default, "issuer_name": i.name, "key_id": i.key_id,
                       "serial_number": _serial(i.cert())} for i in issuers}
        return Response(data={"keys": [i.id for i in issuers], "key_info": info})

    async def _issuer(self, request: Request, ref: str) -> IssuerEntry:
        found = await self.engine.store(request).find_issuer(ref)
        if found is None:
            raise not_found(ref)
        return found

    async def read(self, request: Request, data: FieldData) -> Response:
        issuer = await self._issuer(request, data.get_str("issuer_ref"))
        chain = ca.chain_for(issuer, await self.engine.store(request).issuers())
        return Response(data=issuer_view(issuer, chain))

    async def read_raw(self, request: Request, data: FieldData) -> Response:
        issuer = await self._issuer(request, data.get_str("issuer_ref"))
        chain = ca.chain_for(issuer, await self.engine.store(request).issuers())
        if request.path.endswith("/json"):
            return Response(data={"ca_chain": [c + "\n" for c in chain],
                                  "certificate": issuer.certificate + "\n",
                                  "issuer_id": issuer.id, "issuer_name": issuer.name})
        if request.path.endswith("/der"):
            return Response(raw_body=issuer.cert().public_bytes(serialization.Encoding.DER),
                            content_type="application/pkix-cert")
        return Response(raw_body="\n".join(chain).encode() + b"\n",
                        content_type="application/pem-certificate-chain")

    async def update(self, request: Request, data: FieldData) -> Response:
        return await self._modify(request, data, patch=False)

    async def patch(self, request: Request, data: FieldData) -> Response:
        return await self._modify(request, data, patch=True)

    async def _modify(self, request: Request, data: FieldData, *, patch: bool) -> Response:
        store = self.engine.store(request)
        issuer = await self._issuer(request, data.get_str("issuer_ref"))
        # A POST is a full update (a missing issuer_name clears the name, as Vault's).
        if not patch or data.given("issuer_name"):
            name = data.get_str("issuer_name")
            if name != issuer.name:
                await ca.check_name_free(store, name)
                issuer.name = name
        behavior = data.get_str("leaf_not_after_behavior")
        if not patch or data.given("leaf_not_after_behavior"):
            if behavior not in ("err", "truncate", "permit"):
                raise InvalidRequest("Unknown value for field `leaf_not_after_behavior`. "
                                     "Possible values are `err`, `truncate`, and `permit`.")
            issuer.leaf_not_after_behavior = behavior
        if data.given("usage"):
            usages = data.get_list("usage")
            bad = [u for u in usages if u not in ISSUER_USAGES]
            if bad:
                raise InvalidRequest(f"Unable to parse specified usages: [{' '.join(bad)}] - "
                                     "valid values are crl-signing,issuing-certificates,"
                                     "ocsp-signing,read-only")
            issuer.usage = ",".join(sorted(set(usages)))
        warnings = await self._update_urls(store, issuer, data)
        if data.given("manual_chain"):
            refs = data.get_list("manual_chain")
            if refs in ([], ["self"]):
                issuer.manual_chain = None
            else:
                resolved = [issuer.id if r == "self" else (await store.resolve_issuer(r)).id
                            for r in refs]
                issuer.manual_chain = resolved
        await store.put_issuer(issuer)
        return Response(data=issuer_view(issuer, ca.chain_for(issuer, await store.issuers())),
                        warnings=warnings)

    @staticmethod
    async def _update_urls(store: PKIStore, issuer: IssuerEntry, data: FieldData) -> list[str]:
        """The issuer's own AIA URLs: checked as URLs, or, when templated, filled in on
        trial (a warning when that fails). Without URLs, templating is dropped too."""
        for url_field in aia.ISSUER_URL_KEYS:
            if data.given(url_field):
                setattr(issuer, url_field, data.get_list(url_field))
        if data.given("enable_aia_url_templating"):
            issuer.enable_aia_url_templating = data.get_bool("enable_aia_url_templating")
        if not aia.has_own_urls(issuer):
            issuer.enable_aia_url_templating = False
            return []
        urls = {key: list(getattr(issuer, key)) for key in aia.ISSUER_URL_KEYS}
        if not issuer.enable_aia_url_templating:
            aia.check_urls(urls, aia.ISSUER_URL_KEYS)
            return []
        try:
            aia.fill(urls, issuer.id, await aia.cluster_config(store))
        except InvalidRequest as exc:
            return [f"issuance may fail: {exc}{aia.CONSIDER}"]
        return []

    async def revoke(self, request: Request, data: FieldData) -> Response:
        """The issuer stays readable but may no longer issue; its serial joins the CRLs
        of the issuers that signed it, as Vault's."""
        store = self.engine.store(request)
        issuer = await self._issuer(request, data.get_str("issuer_ref"))
        if not issuer.revoked:
            now = self.engine.config.clock.now()
            issuer.revoked = True
            issuer.revocation_time = int(now)
            issuer.usage = ",".join(u for u in issuer.usage.split(",")
                                    if u != "issuing-certificates")
            await store.put_issuer(issuer)
            cert = issuer.cert()
            parents = [i for i in await store.issuers()
                       if i.id != issuer.id and ca.signed_by(cert, i.cert())]
            if parents:
                serial = _serial(cert)
                await store.put_json("revoked/" + serial.replace(":", "-"), {
                    "serial_number": serial, "revocation_time": int(now),
                    "revocation_time_rfc3339": rfc3339(now), "issuer_id": parents[0].id,
                    "certificate": issuer.certificate})
            await rebuild(store, now)
        view = issuer_view(issuer, ca.chain_for(issuer, await store.issuers()))
        return Response(data=view, warnings=await self._revoke_warnings(store, issuer))

    @staticmethod
    async def _revoke_warnings(store: PKIStore, issuer: IssuerEntry) -> list[str]:
        cert = issuer.cert()
        warnings = []
        if cert.issuer == cert.subject:
            warnings.append(
                "This issuer is a self-signed (potentially root) certificate. This means it "
                "may not be considered revoked if there is not an external, cross-signed "
                "variant of this certificate. This issuer's serial number will not appear "
                "on its own CRL.")
        if not any(i.id != issuer.id and ca.signed_by(cert, i.cert())
                   for i in await store.issuers()):
            warnings.append(
                "This issuer lacks another parent issuer within the mount. This means it "
                "will not appear on any other CRLs and may not be considered revoked by "
                "clients. Consider adding this issuer to its issuer's CRL as well if it is "
                "not self-signed.")
        if await store.default_issuer_id() == issuer.id:
            warnings.append(
                "This issuer is currently configured as the default issuer for this mount; "
                "operations such as certificate issuance may not work until a new default "
                "issuer is selected.")
        return warnings

    async def delete(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        issuer = await store.find_issuer(data.get_str("issuer_ref"))
        if issuer is None:
            return None
        await request.require_storage().delete("issuer/" + issuer.id)
        await request.require_storage().delete("crl/" + issuer.id)
        if await store.default_issuer_id() == issuer.id:
            await store.set_default_issuer("")
            reference = data.get_str("issuer_ref")
            warnings = [f"Deleted issuer {issuer.id} (via issuer_ref {reference}); this was "
                        "configured as the default issuer. Operations without an explicit "
                        "issuer will not work until a new default is configured."]
            users = 0
            for name in await store.children("role/"):
                role = await store.get_json("role/" + name) or {}
                users += role.get("issuer_ref", "default") == "default"
            if users:
                warnings.append(f"{users} roles reference default")
            return Response(data=None, warnings=warnings)
        return None

    async def read_config(self, request: Request, data: FieldData) -> Response:
        config = await self.engine.store(request).get_json("config/issuers") or {}
        return Response(data={"default": config.get("default", ""),
                              "default_follows_latest_issuer":
                                  config.get("default_follows_latest_issuer", False)})

    async def write_config(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        config = await store.get_json("config/issuers") or {}
        if data.given("default"):
            found = await store.find_issuer(data.get_str("default"))
            if found is None:
                raise InvalidRequest("Error resolving issuer reference: unable to find PKI "
                                     f"issuer for reference: {data.get_str('default')}")
            config["default"] = found.id
        if data.given("default_follows_latest_issuer"):
            config["default_follows_latest_issuer"] = data.get_bool(
                "default_follows_latest_issuer")
        await store.put_json("config/issuers", config)
        return Response(data={"default": config.get("default", ""),
                              "default_follows_latest_issuer":
                                  config.get("default_follows_latest_issuer", False)})

    async def list_keys(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        default = (await store.get_json("config/keys") or {}).get("default", "")
        keys = await store.keys()
        if not keys:
            return None
        return Response(data={"keys": [k.id for k in keys], "key_info": {
            k.id: {"is_default": k.id == default, "key_name": k.name} for k in keys}})

    async def generate_key(self, request: Request, data: FieldData) -> Response:
        check_type(data.get_str("type"))
        if data.get_str("type") == "existing":
            raise InvalidRequest('invalid type "existing"; use internal or exported')
        store = self.engine.store(request)
        key_type, bits = normalize_key_params(data.get_str("key_type"), data.get_int("key_bits"))
        await ca.check_name_free(store, data.get_str("key_name"), "key")
        key = await generate_key(key_type, bits)
        entry = await ca.store_key(store, key, self.engine.new_id(), data.get_str("key_name"))
        body: dict[str, Any] = {"key_id": entry.id, "key_name": entry.name,
                                "key_type": entry.type}
        if data.get_str("type") == "exported":
            body["private_key"] = private_pem(key)
        return Response(data=body)

    async def import_key(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        _certs, keys = ca.split_pem(data.get_str("pem_bundle"))
        if len(keys) != 1:
            raise InvalidRequest("only a single key can be present within the pem_bundle "
                                 "for importing")
        await ca.check_name_free(store, data.get_str("key_name"), "key")
        key = load_private_pem(keys[0])
        for existing in await store.keys():
            if load_private_pem(existing.private_key).public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ) == key.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
                return Response(data={"key_id": existing.id, "key_name": existing.name,
                                      "key_type": existing.type},
                                warnings=["Key already imported, use key/ endpoint to update "
                                          "name."])
        entry = await ca.store_key(store, key, self.engine.new_id(), data.get_str("key_name"))
        return Response(data={"key_id": entry.id, "key_name": entry.name,
                              "key_type": entry.type})

    async def read_key(self, request: Request, data: FieldData) -> Response:
        entry = await self.engine.store(request).resolve_key(data.get_str("key_ref"))
        public = load_private_pem(entry.private_key).public_key()
        ski = x509.SubjectKeyIdentifier.from_public_key(public).digest
        return Response(data={"key_id": entry.id, "key_name": entry.name,
                              "key_type": entry.type,
                              "subject_key_id": ":".join(f"{b:02x}" for b in ski)})

    async def update_key(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        entry = await store.resolve_key(data.get_str("key_ref"))
        name = data.get_str("key_name")
        if name != entry.name:
            await ca.check_name_free(store, name, "key")
            entry.name = name
            await store.put_key(entry)
        return Response(data={"key_id": entry.id, "key_name": entry.name,
                              "key_type": entry.type})

    async def delete_key(self, request: Request, data: FieldData) -> Response | None:
        store = self.engine.store(request)
        entry = await store.resolve_key(data.get_str("key_ref"))
        users = [i.id for i in await store.issuers() if i.key_id == entry.id]
        if users:
            raise InvalidRequest(f"Unable to delete key in use by issuers: {users}")
        await request.require_storage().delete("key/" + entry.id)
        if (await store.get_json("config/keys") or {}).get("default") == entry.id:
            await store.put_json("config/keys", {"default": ""})
        return None

    async def read_key_config(self, request: Request, data: FieldData) -> Response:
        config = await self.engine.store(request).get_json("config/keys") or {}
        return Response(data={"default": config.get("default", "")})

    async def write_key_config(self, request: Request, data: FieldData) -> Response:
        store = self.engine.store(request)
        entry = await store.resolve_key(data.get_str("default"))
        await store.put_json("config/keys", {"default": entry.id})
        return Response(data={"default": entry.id})


def _serial(cert: x509.Certificate) -> str:
    return serial_colon(cert.serial_number)
