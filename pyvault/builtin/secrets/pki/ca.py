"""Making and importing CAs: the shared logic behind root/, intermediate/, issuers/import.

Chains are built by matching each certificate's issuer name to a stored issuer's
subject and checking the signature, so imported chains link up in any order.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pyvault.builtin.secrets.pki.keys import (
    PrivateKey,
    key_bits_of,
    key_type_of,
    load_private_pem,
    private_pem,
    public_pem,
)
from pyvault.builtin.secrets.pki.store import IssuerEntry, KeyEntry, PKIStore
from pyvault.logical.errors import InvalidRequest


def split_pem(text: str) -> tuple[list[str], list[str]]:
    """(certificate PEMs, private-key PEMs) found in a PEM bundle."""
    certs: list[str] = []
    keys: list[str] = []
    current: list[str] | None = None
    kind = ""
    for line in text.replace("\\n", "\n").splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN "):
            current, kind = [line], line
        elif current is not None:
            current.append(line)
            if line.startswith("-----END "):
                block = "\n".join(current)
                (certs if "CERTIFICATE" in kind and "REQUEST" not in kind else keys).append(block)
                current = None
    return certs, keys


def parse_cert(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise InvalidRequest("unable to parse certificate") from None


def signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, Exception):  # InvalidSignature and friends
        return False
    return True


def chain_for(issuer: IssuerEntry, issuers: list[IssuerEntry]) -> list[str]:
    """This issuer's certificate followed by its parents up to a root (or a gap)."""
    if issuer.manual_chain:
        by_id = {i.id: i for i in issuers}
        return [by_id[i].certificate for i in issuer.manual_chain if i in by_id]
    chain = [issuer.certificate]
    current = issuer.cert()
    seen = {issuer.id}
    while current.issuer != current.subject:
        parent = next((i for i in issuers if i.id not in seen
                       and signed_by(current, i.cert())), None)
        if parent is None:
            break
        seen.add(parent.id)
        chain.append(parent.certificate)
        current = parent.cert()
    return chain


def _same_public(a: Any, b: Any) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(a.public_bytes(serialization.Encoding.DER, fmt)
                == b.public_bytes(serialization.Encoding.DER, fmt))


async def store_key(store: PKIStore, key: PrivateKey, key_id: str, name: str) -> KeyEntry:
    entry = KeyEntry(id=key_id, name=name, type=key_type_of(key), bits=key_bits_of(key),
                     private_key=private_pem(key, "pkcs8"))
    await store.put_key(entry)
    if not (await store.get_json("config/keys") or {}).get("default"):
        await store.put_json("config/keys", {"default": key_id})
    return entry


async def find_key_for(store: PKIStore, cert: x509.Certificate) -> KeyEntry | None:
    for entry in await store.keys():
        if _same_public(load_private_pem(entry.private_key).public_key(), cert.public_key()):
            return entry
    return None


async def check_name_free(store: PKIStore, name: str, kind: str = "issuer") -> None:
    if not name:
        return
    if name == "default":
        raise InvalidRequest(f"reserved keyword 'default' can not be used as {kind} name")
    entries = await (store.issuers() if kind == "issuer" else store.keys())
    if any(e.name == name for e in entries):
        raise InvalidRequest(f"{kind} name already in use")


async def import_bundle(store: PKIStore, pem_bundle: str, new_id: Any) -> dict[str, Any]:
    """Vault's issuers/import/bundle: keys and certs, deduplicated, auto-linked."""
    certs, keys = split_pem(pem_bundle)
    if not certs and not keys:
        raise InvalidRequest("no data found in PEM block")
    imported_keys: list[str] = []
    existing_keys: list[str] = []
    for key_pem in keys:
        key = load_private_pem(key_pem)
        found = next((e for e in await store.keys()
                      if _same_public(load_private_pem(e.private_key).public_key(),
                                      key.public_key())), None)
        if found is not None:
            existing_keys.append(found.id)
        else:
            imported_keys.append((await store_key(store, key, new_id(), "")).id)
    imported: list[str] = []
    existing: list[str] = []
    mapping: dict[str, str] = {}
    for cert_pem in certs:
        cert = parse_cert(cert_pem)
        constraints = _basic_constraints(cert)
        if constraints is None or not constraints.ca:
            raise InvalidRequest("refusing to import non-CA certificate")
        normalized = cert.public_bytes(serialization.Encoding.PEM).decode().rstrip("\n")
        same = next((i for i in await store.issuers() if i.certificate == normalized), None)
        if same is not None:
            existing.append(same.id)
            mapping[same.id] = same.key_id
            continue
        key_entry = await find_key_for(store, cert)
        issuer = IssuerEntry(id=new_id(), certificate=normalized,
                             key_id=key_entry.id if key_entry else "")
        await store.put_issuer(issuer)
        imported.append(issuer.id)
        mapping[issuer.id] = issuer.key_id
        await store.adopt_new_issuer(issuer.id)
    return {"imported_issuers": imported or None, "imported_keys": imported_keys or None,
            "existing_issuers": existing or None, "existing_keys": existing_keys or None,
            "mapping": mapping}


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def public_key_pem(cert: x509.Certificate) -> str:
    return public_pem(cert.public_key())  # type: ignore[arg-type]  # only rsa/ec/ed25519 CAs are stored
