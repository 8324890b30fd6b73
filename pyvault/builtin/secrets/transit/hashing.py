"""Vault's hash algorithm names mapped onto `cryptography` and hashlib."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from pyvault.builtin.secrets.transit.errors import UserError

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha2-224": hashes.SHA224, "sha2-256": hashes.SHA256,
    "sha2-384": hashes.SHA384, "sha2-512": hashes.SHA512, "sha3-224": hashes.SHA3_224,
    "sha3-256": hashes.SHA3_256, "sha3-384": hashes.SHA3_384, "sha3-512": hashes.SHA3_512,
}
HASHLIB = {
    "sha1": "sha1", "sha2-224": "sha224", "sha2-256": "sha256", "sha2-384": "sha384",
    "sha2-512": "sha512", "sha3-224": "sha3_224", "sha3-256": "sha3_256",
    "sha3-384": "sha3_384", "sha3-512": "sha3_512",
}


def algorithm(name: str) -> hashes.HashAlgorithm | None:
    """The hash for a sign/verify request (None for "none")."""
    if name == "none":
        return None
    found = HASHES.get(name)
    if found is None:
        raise UserError(f'invalid hash algorithm "{name}"')
    return found()


def digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(HASHES[name]())
    h.update(data)
    return h.finalize()
