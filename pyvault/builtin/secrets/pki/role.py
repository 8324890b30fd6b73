"""A PKI role: the policy that shapes every certificate issued through it.

The field set, defaults and read-back shape follow Vault's ``roles/<name>``
(checked against OpenBao 2.7.2's answer field by field).
"""

from __future__ import annotations

from typing import Any

from pyvault.framework.fields import Field, FieldType

S, B, I, D, L = (  # noqa: E741  # one-letter type aliases keep the tables short
    FieldType.STRING, FieldType.BOOL, FieldType.INT, FieldType.DURATION,
                 FieldType.COMMA_STRING_SLICE)

# name → (type, default); defaults are what a freshly written role reads back.
ROLE_FIELDS: dict[str, tuple[FieldType, Any]] = {
    "ttl": (D, 0), "max_ttl": (D, 0), "allow_localhost": (B, True),
    "allowed_domains": (L, []), "allowed_domains_template": (B, False),
    "allow_bare_domains": (B, False), "allow_subdomains": (B, False),
    "allow_glob_domains": (B, False), "allow_wildcard_certificates": (B, True),
    "allow_any_name": (B, False), "enforce_hostnames": (B, True), "allow_ip_sans": (B, True),
    "allowed_ip_sans_cidr": (L, []),
    "allowed_uri_sans": (L, []), "allowed_uri_sans_template": (B, False),
    "allowed_other_sans": (L, []), "allowed_serial_numbers": (L, []),
    "allowed_user_ids": (L, []), "allow_token_displayname": (B, False),
    "allow_globs_in_identity_templates": (B, False),
    "server_flag": (B, True), "client_flag": (B, True), "code_signing_flag": (B, False),
    "email_protection_flag": (B, False), "key_type": (S, "rsa"), "key_bits": (I, 0),
    "signature_bits": (I, 0), "use_pss": (B, False),
    "key_usage": (L, ["DigitalSignature", "KeyAgreement", "KeyEncipherment"]),
    "ext_key_usage": (L, []), "ext_key_usage_oids": (L, []),
    "use_csr_common_name": (B, True), "use_csr_sans": (B, True),
    "ou": (L, []), "organization": (L, []), "country": (L, []), "locality": (L, []),
    "province": (L, []), "street_address": (L, []), "postal_code": (L, []),
    "generate_lease": (B, False), "no_store": (B, False), "require_cn": (B, True),
    "cn_validations": (L, ["email", "hostname"]),
    "policy_identifiers": (L, []), "basic_constraints_valid_for_non_ca": (B, False),
    "not_before_duration": (D, 30), "not_after": (S, ""), "issuer_ref": (S, "default"),
    "not_before": (S, ""), "not_after_bound": (S, "permit"), "not_before_bound": (S, "permit"),
}

ROLE_SCHEMA: dict[str, Field] = {
    name: Field(type=kind, description=f"Role parameter {name!r} (see Vault's PKI role docs).")
    for name, (kind, _default) in ROLE_FIELDS.items()
}
ROLE_SCHEMA["name"] = Field(type=FieldType.STRING, description="Name of the role.")


def role_defaults() -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else v) for k, (_t, v) in ROLE_FIELDS.items()}


def role_view(role: dict[str, Any]) -> dict[str, Any]:
    """What a read returns: every field, with Vault's key_bits normalisation applied."""
    view = role_defaults()
    view.update({k: v for k, v in role.items() if k in ROLE_FIELDS})
    return view
