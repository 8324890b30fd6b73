"""Field schemas shared by several PKI path groups (one definition, many paths)."""

from __future__ import annotations

from pyvault.framework.fields import Field, FieldType

S, B, I, D, L = (  # noqa: E741  # one-letter type aliases keep the tables short
    FieldType.STRING, FieldType.BOOL, FieldType.INT, FieldType.DURATION,
                 FieldType.COMMA_STRING_SLICE)


def f(kind: FieldType, description: str, default: object = None) -> Field:
    return Field(type=kind, description=description, default=default)


SUBJECT_FIELDS = ("ou", "organization", "country", "locality", "province",
                  "street_address", "postal_code")

NAME_FIELDS: dict[str, Field] = {
    "common_name": f(S, "The requested common name."),
    "alt_names": f(L, "Requested DNS or email Subject Alternative Names."),
    "ip_sans": f(L, "Requested IP Subject Alternative Names."),
    "uri_sans": f(L, "Requested URI Subject Alternative Names."),
    "other_sans": f(L, "Requested other SANs, as <oid>;UTF8:<value>."),
    "serial_number": f(S, "The Subject's requested serial number (not the certificate's)."),
    "exclude_cn_from_sans": f(B, "If true, the common name is not added to the DNS or "
                                 "email SANs."),
    "ttl": f(D, "The requested time to live."),
    "not_after": f(S, "Set the not after field of the certificate (RFC 3339 UTC)."),
    "format": f(S, 'Format for returned data: "pem", "der" or "pem_bundle".', "pem"),
    "private_key_format": f(S, 'Private key encoding: "der" (type-native) or "pkcs8".', "der"),
    "remove_roots_from_chain": f(B, "Whether self-signed CAs are left out of ca_chain."),
    "user_ids": f(L, "Requested user_ids (UID) values."),
}

CA_FIELDS: dict[str, Field] = {
    **NAME_FIELDS,
    **{name: f(L, f"The {name} values of the subject.") for name in SUBJECT_FIELDS},
    "key_type": f(S, 'The key type: "rsa", "ec" or "ed25519".', "rsa"),
    "key_bits": f(I, "The key size in bits; 0 picks the key type's default.", 0),
    "key_name": f(S, "A name for the generated key."),
    "key_ref": f(S, "For existing: the reference of the key to use.", "default"),
    "issuer_name": f(S, "A name for the new issuer."),
    "max_path_length": f(I, "The maximum path length of the CA (-1: no limit).", -1),
    "permitted_dns_domains": f(L, "Domains for the Name Constraints extension."),
    "signature_bits": f(I, "Bits of the signature hash (0: key type's default).", 0),
    "use_pss": f(B, "Sign with RSA-PSS."),
    "not_before_duration": f(D, "How far in the past notBefore is set.", 30),
    "type": f(S, 'Key handling: "internal", "exported", "existing" or "kms".'),
    "add_basic_constraints": f(B, "Add Basic Constraints to the CSR (intermediates)."),
}

KEY_TYPES = ("internal", "exported", "existing", "kms")
