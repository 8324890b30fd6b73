"""Dependency-free SDK types shared by every layer below HTTP."""

from pyvault.logical.errors import (
    CodedError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    Sealed,
    UnsupportedOperation,
    UnsupportedPath,
    VaultError,
)
from pyvault.logical.operation import Operation
from pyvault.logical.request import Connection, JSONDict, Request
from pyvault.logical.response import Auth, Response, Secret, WrapInfo
from pyvault.logical.storage import Storage, StorageView

__all__ = [
    "Auth",
    "CodedError",
    "Connection",
    "InvalidRequest",
    "JSONDict",
    "NotFound",
    "Operation",
    "PermissionDenied",
    "Request",
    "Response",
    "Sealed",
    "Secret",
    "Storage",
    "StorageView",
    "UnsupportedOperation",
    "UnsupportedPath",
    "VaultError",
    "WrapInfo",
]
