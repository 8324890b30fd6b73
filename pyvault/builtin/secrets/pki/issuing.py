"""Turn a request (and a role, and maybe a CSR) into a validated CertSpec.

Decisions and error texts follow Vault's ``generateCreationBundle``: names are
checked against the role, then SANs, IPs, URIs and other SANs, then the lifetime.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from pyvault.builtin.secrets.pki.certbuild import CertSpec
from pyvault.builtin.secrets.pki.engine import Engine
from pyvault.builtin.secrets.pki.fields import SUBJECT_FIELDS
from pyvault.builtin.secrets.pki.names import first_disallowed, is_hostname, to_ascii, uri_allowed
from pyvault.builtin.secrets.pki.role import role_defaults
from pyvault.builtin.secrets.pki.store import IssuerEntry
from pyvault.framework.field_data import FieldData
from pyvault.logical.errors import InvalidRequest

_EKU_FLAGS = (("server_flag", "ServerAuth"), ("client_flag", "ClientAuth"),
              ("code_signing_flag", "CodeSigning"), ("email_protection_flag", "EmailProtection"))


def _csr_sans(csr: x509.CertificateSigningRequest) -> x509.SubjectAlternativeName | None:
    try:
        return csr.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value  # type: ignore[return-value]  # SAN oid
    except x509.ExtensionNotFound:
        return None


def csr_common_name(csr: x509.CertificateSigningRequest) -> str:
    values = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def parse_other_sans(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for value in values:
        oid, sep, rest = value.partition(";")
        kind, sep2, text = rest.partition(":")
        if not sep or not sep2 or kind.upper() not in ("UTF8", "UTF-8"):
            raise InvalidRequest(f"could not parse other_sans: {value!r}")
        out.append((oid, text))
    return out


def _other_allowed(role: dict[str, Any], oid: str, value: str) -> bool:
    for allowed in role["allowed_other_sans"]:
        if allowed == "*":
            return True
        a_oid, _, rest = allowed.partition(";")
        _kind, _, a_value = rest.partition(":")
        if a_oid == oid and (a_value == "*" or a_value == value):
            return True
    return False


def build_names(data: FieldData, role: dict[str, Any] | None,
                csr: x509.CertificateSigningRequest | None, spec: CertSpec) -> None:
    """Fill the subject CN and SANs of ``spec``; ``role`` None means no checks (CAs)."""
    use_csr_cn = csr is not None and (role is None or role["use_csr_common_name"])
    use_csr_sans = csr is not None and (role is None or role["use_csr_sans"])
    cn = csr_common_name(csr) if use_csr_cn and csr is not None else ""
    cn = cn or data.get_str("common_name")
    if role is not None and not cn and role["require_cn"]:
        raise InvalidRequest('the common_name field is required, or must be provided in a CSR '
                             'with "use_csr_common_name" set to true, unless "require_cn" '
                             'is set to false')
    dns: list[str] = []
    emails: list[str] = []
    ips: list[str] = list(data.get_list("ip_sans"))
    uris: list[str] = list(data.get_list("uri_sans"))
    sans = _csr_sans(csr) if use_csr_sans and csr is not None else None
    if sans is not None:
        dns += sans.get_values_for_type(x509.DNSName)
        emails += sans.get_values_for_type(x509.RFC822Name)
        ips += [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
        uris += sans.get_values_for_type(x509.UniformResourceIdentifier)
    else:
        for name in data.get_list("alt_names"):
            (emails if "@" in name else dns).append(name)
    if cn and not data.get_bool("exclude_cn_from_sans"):
        if "@" in cn:
            emails.insert(0, cn)
        elif is_hostname(cn):
            dns.insert(0, to_ascii(cn) or cn)
    if role is not None:
        if cn and not cn_allowed(role, cn):
            raise InvalidRequest(f"common name {cn} not allowed by this role")
        if bad := first_disallowed(role, dns):
            raise InvalidRequest(f"subject alternate name {bad} not allowed by this role")
        if bad := first_disallowed(role, emails):
            raise InvalidRequest(f"email address {bad} not allowed by this role")
    for ip in ips:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise InvalidRequest(f'the value "{ip}" is not a valid IP address') from None
    if role is not None and ips and not role["allow_ip_sans"]:
        raise InvalidRequest("IP Subject Alternative Names are not allowed in this role, "
                             "but was provided via the API")
    if role is not None and uris:
        if not role["allowed_uri_sans"]:
            raise InvalidRequest("URI Subject Alternative Names are not allowed in this role, "
                                 "but were provided via the API")
        for uri in uris:
            if not uri_allowed(role, uri):
                raise InvalidRequest("URI Subject Alternative Names were provided via the API "
                                     "which are not valid for this role")
    others = parse_other_sans(data.get_list("other_sans"))
    if role is not None and others:
        for oid, value in others:
            if not _other_allowed(role, oid, value):
                raise InvalidRequest(f"other SAN OID {oid} not allowed by this role")
    spec.common_name = cn
    spec.dns_names = list(dict.fromkeys(dns))
    spec.emails = list(dict.fromkeys(emails))
    spec.ip_addresses = list(dict.fromkeys(ips))
    spec.uris = list(dict.fromkeys(uris))
    spec.other_names = others
    spec.serial_subject = data.get_str("serial_number")
    spec.user_ids = data.get_list("user_ids")
    if role is not None:
        _check_subject_extras(role, spec)


def cn_allowed(role: dict[str, Any], cn: str) -> bool:
    """Vault's validateCommonName: "disabled" skips every check of the CN."""
    validations = role["cn_validations"]
    if validations == ["disabled"]:
        return True
    if first_disallowed(role, [cn]):
        return False
    if not validations:
        return True
    return ("email" if "@" in cn else "hostname") in validations


def _check_subject_extras(role: dict[str, Any], spec: CertSpec) -> None:
    allowed_serials = role["allowed_serial_numbers"]
    if spec.serial_subject and allowed_serials and not any(
            fnmatch.fnmatchcase(spec.serial_subject, p) for p in allowed_serials):
        raise InvalidRequest(f"serial_number {spec.serial_subject} not allowed by this role")
    for user_id in spec.user_ids:
        if not any(fnmatch.fnmatchcase(user_id.lower(), p.lower())
                   for p in role["allowed_user_ids"]):
            raise InvalidRequest(f"user_id {user_id} is not allowed by this role")


def apply_role(spec: CertSpec, role: dict[str, Any]) -> None:
    spec.subject_fields = {k: list(role[k]) for k in SUBJECT_FIELDS if role[k]}
    spec.key_usage = list(role["key_usage"])
    spec.ext_key_usage = [name for flag, name in _EKU_FLAGS if role[flag]]
    spec.ext_key_usage += list(role["ext_key_usage"])
    spec.ext_key_usage_oids = list(role["ext_key_usage_oids"])
    spec.basic_constraints_for_leaf = role["basic_constraints_valid_for_non_ca"]
    spec.policy_identifiers = list(role["policy_identifiers"])
    spec.signature_bits = role["signature_bits"]
    spec.use_pss = role["use_pss"]


async def leaf_spec(engine: Engine, data: FieldData, role: dict[str, Any],
                    issuer: IssuerEntry, csr: x509.CertificateSigningRequest | None,
                    warnings: list[str], request_urls: dict[str, list[str]]) -> CertSpec:
    spec = CertSpec(serial=engine.serial())
    build_names(data, role, csr, spec)
    apply_role(spec, role)
    now, not_after = engine.resolve_ttl(data, role["ttl"], role["max_ttl"], warnings)
    spec.not_before = now - role["not_before_duration"]
    spec.not_after = engine.cap_to_issuer(not_after, issuer)
    spec.issuing_certificates = request_urls["issuing_certificates"]
    spec.crl_distribution_points = request_urls["crl_distribution_points"]
    spec.ocsp_servers = request_urls["ocsp_servers"]
    spec.delta_crl_distribution_points = request_urls.get("delta_crl_distribution_points", [])
    return spec


def verbatim_role(data: FieldData) -> dict[str, Any]:
    """sign-verbatim: everything allowed, usages from the request."""
    role = role_defaults()
    role.update(key_type="any", key_bits=0, allow_any_name=True, enforce_hostnames=False,
                allow_ip_sans=True,
                allowed_uri_sans=["*"], allowed_other_sans=["*"], require_cn=False,
                allow_wildcard_certificates=True, server_flag=False, client_flag=False)
    for name in ("key_usage", "ext_key_usage", "ext_key_usage_oids", "signature_bits",
                 "use_pss"):
        if data.given(name):
            role[name] = data.get(name)
    return role
