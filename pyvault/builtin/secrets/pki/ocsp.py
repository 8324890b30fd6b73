"""An RFC 6960 OCSP responder: ``GET ocsp/<base64 request>`` and ``POST ocsp`` with an
``application/ocsp-request`` DER body (the HTTP layer hands it over undecoded).

The issuer is found by the request's issuer key hash; the answer is signed by that
issuer's key (Vault's default when no delegated responder is configured). A request
for an issuer this mount does not know gets a signed ``unknown`` from the default
issuer, as Vault's. Problems become OCSP status codes in a DER body, never JSON
errors, since OCSP clients can't read those: malformed → 400, OCSP disabled or no
usable issuer → 401, both with ``application/ocsp-response``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from pyvault.builtin.secrets.pki.certbuild import when
from pyvault.builtin.secrets.pki.crl import crl_config
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import S, f
from pyvault.builtin.secrets.pki.keys import hash_for, load_private_pem, off_loop
from pyvault.builtin.secrets.pki.store import IssuerEntry, PKIStore, serial_colon
from pyvault.framework.field_data import FieldData
from pyvault.framework.path import Path, ops
from pyvault.logical.request import Request
from pyvault.logical.response import Response
from pyvault.util.durations import parse_duration

CONTENT_TYPE = "application/ocsp-response"
_HASHES: dict[str, Any] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256,
                           "sha384": hashlib.sha384, "sha512": hashlib.sha512}


_HTTP_STATUS = {ocsp.OCSPResponseStatus.MALFORMED_REQUEST: 400,
                ocsp.OCSPResponseStatus.UNAUTHORIZED: 401,
                ocsp.OCSPResponseStatus.INTERNAL_ERROR: 500}


def _failure(status: ocsp.OCSPResponseStatus) -> Response:
    der = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER)
    return Response(raw_body=der, content_type=CONTENT_TYPE, status=_HTTP_STATUS[status])


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    # The hash covers the BIT STRING contents of subjectPublicKey, not the whole SPKI.
    bits = _subject_public_key_bits(spki)
    return _HASHES[algorithm.name](bits).digest()  # type: ignore[no-any-return]  # hashlib


def _subject_public_key_bits(spki: bytes) -> bytes:
    """Walk SEQUENCE { AlgorithmIdentifier, BIT STRING } and return the key bits."""
    def read(data: bytes, pos: int) -> tuple[int, int, int]:
        tag = data[pos]
        length = data[pos + 1]
        pos += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
        return tag, pos, length
    _tag, pos, _len = read(spki, 0)
    _tag, alg_pos, alg_len = read(spki, pos)
    _tag, bits_pos, bits_len = read(spki, alg_pos + alg_len)
    return spki[bits_pos + 1:bits_pos + bits_len]  # skip the unused-bits octet


class OCSPPaths:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self) -> list[Path]:
        return [Path(patterns=("ocsp/{req:path}",),
                     fields={"req": f(S, "base64 encoded ocsp request")},
                     operations=ops(read=self.get),
                     synopsis="Query a certificate's revocation status through OCSP"),
                Path(patterns=("ocsp",), operations=ops(update=self.post),
                     synopsis="Query a certificate's revocation status through OCSP "
                              "(DER request body, application/ocsp-request)")]

    async def get(self, request: Request, data: FieldData) -> Response:
        try:
            raw = base64.b64decode(unquote(data.get_str("req")), validate=False)
        except (ValueError, binascii.Error):
            return _failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        return await self.answer(request, raw)

    async def post(self, request: Request, data: FieldData) -> Response:
        """RFC 6960 A.1.1: the DER request is the body; anything else (a JSON body, an
        empty one) is a malformed OCSP request, as Vault answers it."""
        return await self.answer(request, request.raw_body or b"")

    async def answer(self, request: Request, raw: bytes) -> Response:
        try:
            parsed = ocsp.load_der_ocsp_request(raw)
            algorithm = parsed.hash_algorithm
        except ValueError:
            return _failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if algorithm.name not in _HASHES:
            return _failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        store = self.engine.store(request)
        config = await crl_config(store)
        if config["ocsp_disable"]:
            return _failure(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        issuer = await _match_issuer(store, parsed, algorithm)
        known = issuer is not None
        if issuer is None:
            issuer = await store.find_issuer("default")
        key_entry = await store.key_of(issuer) if issuer else None
        if issuer is None or key_entry is None or not issuer.has_usage("ocsp-signing"):
            return _failure(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        status = ocsp.OCSPCertStatus.UNKNOWN
        revocation_time = None
        if known:
            serial = serial_colon(parsed.serial_number)
            revoked = await store.get_revoked(serial)
            record = await store.get_cert(serial)
            if revoked is not None:
                status = ocsp.OCSPCertStatus.REVOKED
                revocation_time = when(int(revoked["revocation_time"]))
            elif record is not None and record.get("issuer_id") == issuer.id:
                status = ocsp.OCSPCertStatus.GOOD
        now = int(self.engine.config.clock.now())
        next_update = when(now) + timedelta(seconds=parse_duration(config["ocsp_expiry"]))
        cert = issuer.cert()
        name_hash, key_hash = parsed.issuer_name_hash, parsed.issuer_key_hash
        if not known:  # Go's ocsp.CreateResponse: the CertID of the signing issuer
            name_hash = _HASHES[algorithm.name](cert.subject.public_bytes()).digest()
            key_hash = _key_hash(cert, algorithm)
        key = load_private_pem(key_entry.private_key)
        builder = (ocsp.OCSPResponseBuilder()
                   .add_response_by_hash(
                       issuer_name_hash=name_hash, issuer_key_hash=key_hash,
                       serial_number=parsed.serial_number, algorithm=algorithm,
                       cert_status=status, this_update=when(now),
                       next_update=next_update, revocation_time=revocation_time,
                       revocation_reason=None)
                   .responder_id(ocsp.OCSPResponderEncoding.HASH, cert))
        for extension in parsed.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        signed = await off_loop(key, lambda: builder.sign(key, hash_for(key, 0)))
        return Response(raw_body=signed.public_bytes(serialization.Encoding.DER),
                        content_type=CONTENT_TYPE)


async def _match_issuer(store: PKIStore, parsed: ocsp.OCSPRequest,
                        algorithm: hashes.HashAlgorithm) -> IssuerEntry | None:
    for issuer in await store.issuers():
        cert = issuer.cert()
        if _key_hash(cert, algorithm) != parsed.issuer_key_hash:
            continue
        name_hash = _HASHES[algorithm.name](cert.subject.public_bytes()).digest()
        if name_hash == parsed.issuer_name_hash:
            return issuer
    return None
