"""Assemble and sign X.509 certificates, CSRs and CRLs with ``cryptography``.

Signing runs in a worker thread (``keys.off_loop``) so the event loop never waits on
it. Times are passed
in by the caller (the mount's injected clock), never read here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    ObjectIdentifier,
)

from pyvault.builtin.secrets.pki.keys import (
    PrivateKey,
    PublicKey,
    hash_for,
    off_loop,
    pss_padding,
)

KEY_USAGES = {
    "digitalsignature": "digital_signature", "contentcommitment": "content_commitment",
    "keyencipherment": "key_encipherment", "dataencipherment": "data_encipherment",
    "keyagreement": "key_agreement", "certsign": "key_cert_sign", "crlsign": "crl_sign",
    "encipheronly": "encipher_only", "decipheronly": "decipher_only",
}
EXT_KEY_USAGES = {
    "serverauth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientauth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codesigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailprotection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocspsigning": ExtendedKeyUsageOID.OCSP_SIGNING,
    "any": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "ipsecuser": ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "ipsectunnel": ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsecendsystem": ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "microsoftservergatedcrypto": ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscapeservergatedcrypto": ObjectIdentifier("2.16.840.1.113730.4.1"),
    "microsoftcommercialcodesigning": ObjectIdentifier("1.3.6.1.4.1.311.2.1.22"),
    "microsoftkernelcodesigning": ObjectIdentifier("1.3.6.1.4.1.311.61.1.1"),
}
# Go's pkix.Name.ToRDNSequence order, so subjects print as Vault's do.
SUBJECT_ORDER = (
    ("country", NameOID.COUNTRY_NAME), ("province", NameOID.STATE_OR_PROVINCE_NAME),
    ("locality", NameOID.LOCALITY_NAME), ("street_address", NameOID.STREET_ADDRESS),
    ("postal_code", NameOID.POSTAL_CODE), ("organization", NameOID.ORGANIZATION_NAME),
    ("ou", NameOID.ORGANIZATIONAL_UNIT_NAME),
)


@dataclass(slots=True, kw_only=True)
class CertSpec:
    """Everything that shapes one certificate, already validated against the role."""

    common_name: str = ""
    subject_fields: dict[str, list[str]] = field(default_factory=dict)
    serial_subject: str = ""
    user_ids: list[str] = field(default_factory=list)
    dns_names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)
    uris: list[str] = field(default_factory=list)
    other_names: list[tuple[str, str]] = field(default_factory=list)
    not_before: int = 0
    not_after: int = 0
    serial: int = 0
    is_ca: bool = False
    max_path_length: int = -1
    key_usage: list[str] = field(default_factory=list)
    ext_key_usage: list[str] = field(default_factory=list)
    ext_key_usage_oids: list[str] = field(default_factory=list)
    basic_constraints_for_leaf: bool = False
    policy_identifiers: list[str] = field(default_factory=list)
    issuing_certificates: list[str] = field(default_factory=list)
    crl_distribution_points: list[str] = field(default_factory=list)
    ocsp_servers: list[str] = field(default_factory=list)
    delta_crl_distribution_points: list[str] = field(default_factory=list)
    signature_bits: int = 0
    use_pss: bool = False
    permitted_dns_domains: list[str] = field(default_factory=list)


def build_name(common_name: str, fields: dict[str, list[str]], serial: str = "",
               user_ids: list[str] | None = None) -> x509.Name:
    attributes: list[x509.NameAttribute[str]] = []
    for key, oid in SUBJECT_ORDER:
        attributes.extend(x509.NameAttribute(oid, value) for value in fields.get(key, []))
    if common_name:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if serial:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    # Go puts ExtraNames (here the UID attributes) after the standard ones.
    attributes.extend(x509.NameAttribute(NameOID.USER_ID, u) for u in user_ids or [])
    return x509.Name(attributes)


def _utf8_other_name(oid: str, value: str) -> x509.OtherName:
    raw = value.encode()
    if len(raw) >= 128:
        length = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
        der = bytes([0x0C, 0x80 | len(length)]) + length + raw
    else:
        der = bytes([0x0C, len(raw)]) + raw
    return x509.OtherName(ObjectIdentifier(oid), der)


def _sans(spec: CertSpec) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in spec.dns_names]
    names += [x509.RFC822Name(e) for e in spec.emails]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.ip_addresses]
    names += [x509.UniformResourceIdentifier(u) for u in spec.uris]
    names += [_utf8_other_name(oid, v) for oid, v in spec.other_names]
    return names


def _key_usage(names: list[str], ca: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(KEY_USAGES.values(), False)
    for name in names:
        attr = KEY_USAGES.get(name.lower())
        if attr:
            flags[attr] = True
    if ca:
        flags["key_cert_sign"] = flags["crl_sign"] = True
    return x509.KeyUsage(**flags)


def _sign_builder(builder: x509.CertificateBuilder, key: PrivateKey, bits: int,
                  pss: bool) -> x509.Certificate:
    return builder.sign(key, hash_for(key, bits), rsa_padding=pss_padding(key, pss))  # type: ignore[arg-type]  # cryptography's stub omits ed25519's None hash


def _points(urls: list[str]) -> list[x509.DistributionPoint]:
    return [x509.DistributionPoint([x509.UniformResourceIdentifier(u)], None, None, None)
            for u in urls]


def when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def sign_certificate(spec: CertSpec, public_key: PublicKey, signer: PrivateKey,
                           issuer: x509.Certificate | None,
                           subject: x509.Name | None = None) -> x509.Certificate:
    """``issuer`` None → self-signed (the subject becomes the issuer); ``subject`` given
    (sign-verbatim, use_csr_values) is copied as is."""
    if subject is None:
        subject = build_name(spec.common_name, spec.subject_fields, spec.serial_subject,
                             spec.user_ids)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.subject if issuer else subject)
               .public_key(public_key)
               .serial_number(spec.serial)
               .not_valid_before(when(spec.not_before))
               .not_valid_after(when(spec.not_after)))
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    builder = builder.add_extension(_key_usage(spec.key_usage, spec.is_ca), critical=True)
    ekus = [EXT_KEY_USAGES[n.lower()] for n in spec.ext_key_usage
            if n.lower() in EXT_KEY_USAGES]
    ekus += [ObjectIdentifier(o) for o in spec.ext_key_usage_oids]
    if ekus and not spec.is_ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    if spec.is_ca:
        path_len = None if spec.max_path_length < 0 else spec.max_path_length
        builder = builder.add_extension(x509.BasicConstraints(True, path_len), critical=True)
    elif spec.basic_constraints_for_leaf:
        builder = builder.add_extension(x509.BasicConstraints(False, None), critical=True)
    builder = builder.add_extension(ski, critical=False)
    signer_public = signer.public_key()
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_public), critical=False)
    access = [x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                     x509.UniformResourceIdentifier(u))
              for u in spec.ocsp_servers]
    access += [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                      x509.UniformResourceIdentifier(u))
               for u in spec.issuing_certificates]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    sans = _sans(spec)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if spec.crl_distribution_points:
        points = [x509.DistributionPoint([x509.UniformResourceIdentifier(u)], None, None, None)
                  for u in spec.crl_distribution_points]
        builder = builder.add_extension(x509.CRLDistributionPoints(points), critical=False)
    if spec.delta_crl_distribution_points:
        builder = builder.add_extension(
            x509.FreshestCRL(_points(spec.delta_crl_distribution_points)), critical=False)
    if spec.policy_identifiers:
        policies = [x509.PolicyInformation(ObjectIdentifier(o), None)
                    for o in spec.policy_identifiers]
        builder = builder.add_extension(x509.CertificatePolicies(policies), critical=False)
    if spec.permitted_dns_domains:
        builder = builder.add_extension(x509.NameConstraints(
            [x509.DNSName(d) for d in spec.permitted_dns_domains], None), critical=True)
    return await off_loop(signer, lambda: _sign_builder(builder, signer, spec.signature_bits,
                                                        spec.use_pss))


async def sign_csr(spec: CertSpec, key: PrivateKey) -> x509.CertificateSigningRequest:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        build_name(spec.common_name, spec.subject_fields, spec.serial_subject))
    sans = _sans(spec)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if spec.is_ca:
        builder = builder.add_extension(x509.BasicConstraints(True, None), critical=True)
    algorithm = hash_for(key, spec.signature_bits)
    return await off_loop(
        key, lambda: builder.sign(key, algorithm))  # type: ignore[arg-type]  # ed25519 takes None


async def sign_crl(issuer: x509.Certificate, key: PrivateKey, revoked: list[tuple[int, int]],
                   this_update: int, next_update: int, number: int,
                   delta_of: int = 0, freshest: list[str] | None = None,
                   ) -> x509.CertificateRevocationList:
    """``delta_of`` > 0 makes a delta CRL against that base CRL number (RFC 5280 5.2.4);
    ``freshest`` (delta CRL URLs) adds the Freshest CRL extension to a full CRL."""
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.subject)
               .last_update(when(this_update))
               .next_update(when(next_update))
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   key.public_key()), critical=False))
    if delta_of:
        builder = builder.add_extension(x509.DeltaCRLIndicator(delta_of), critical=True)
    if freshest:
        builder = builder.add_extension(x509.FreshestCRL(_points(freshest)), critical=False)
    for serial, revoked_at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(when(revoked_at)).build())
    return await off_loop(
        key, lambda: builder.sign(key, hash_for(key, 0)))  # type: ignore[arg-type]  # ed25519 takes None


async def resign(cert: x509.Certificate, issuer: x509.Certificate,
                 key: PrivateKey) -> x509.Certificate:
    """sign-self-issued: the same certificate body, signed by another CA's key."""
    builder = (x509.CertificateBuilder().subject_name(cert.subject)
               .issuer_name(issuer.subject).public_key(cert.public_key())
               .serial_number(cert.serial_number)
               .not_valid_before(cert.not_valid_before_utc)
               .not_valid_after(cert.not_valid_after_utc))
    for extension in cert.extensions:
        if isinstance(extension.value, x509.AuthorityKeyIdentifier):
            continue
        builder = builder.add_extension(extension.value, extension.critical)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
    return await off_loop(key, lambda: _sign_builder(builder, key, 0, False))
