"""Vault's PathsSpecial.Unauthenticated for PKI, and the guard it needs here.

Vault writes ``issuer/+/pem`` ("+" = one segment; see pyvault.framework.special).
As a second line of defence, issuing handlers refuse any path that falls under these
patterns (``guard_issuing``): an issuing request must always pass the ACL.
"""

from __future__ import annotations

from pyvault.framework.special import matches_any
from pyvault.logical.errors import PermissionDenied, multierror

UNAUTHENTICATED = (
    "cert/*", "ca/pem", "ca_chain", "ca", "crl/delta", "crl/delta/pem", "crl/pem", "crl",
    "issuer/+/crl/der", "issuer/+/crl/pem", "issuer/+/crl", "issuer/+/crl/delta/der",
    "issuer/+/crl/delta/pem", "issuer/+/crl/delta", "issuer/+/pem", "issuer/+/der",
    "issuer/+/json", "issuers", "issuers/", "ocsp", "ocsp/*",
)


def is_unauthenticated(path: str) -> bool:
    return matches_any(path, UNAUTHENTICATED)


def guard_issuing(path: str) -> None:
    """An issuing path the core would treat as public is refused outright."""
    if is_unauthenticated(path):
        raise PermissionDenied(multierror("permission denied"))
