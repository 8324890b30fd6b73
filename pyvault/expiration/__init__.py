"""Leases: durable records of everything that expires, and the timer that revokes them."""

from pyvault.expiration.lease import LeaseEntry, LeaseKind
from pyvault.expiration.manager import ExpirationManager, RenewedLease
from pyvault.expiration.protocols import LeaseBackendCaller, SecretRenewal, TokenRevoker
from pyvault.expiration.tidy import TidyReport

__all__ = [
    "ExpirationManager",
    "LeaseBackendCaller",
    "LeaseEntry",
    "LeaseKind",
    "RenewedLease",
    "SecretRenewal",
    "TidyReport",
    "TokenRevoker",
]
