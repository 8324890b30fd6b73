"""Errors that reach clients: each class carries its HTTP status.

Only subclasses of :class:`VaultError` are shown to clients verbatim; any other
exception becomes a generic 500 so internal details (and secrets) never leak.
"""

from __future__ import annotations

from typing import ClassVar


class VaultError(Exception):
    """Base of every client-visible error; ``messages`` become ``{"errors": [...]}``."""

    status: ClassVar[int] = 500

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages: list[str] = list(messages)

    def __str__(self) -> str:
        return "; ".join(self.messages)


class InvalidRequest(VaultError):
    status = 400


class PermissionDenied(VaultError):
    status = 403

    def __init__(self, *messages: str) -> None:
        super().__init__(*(messages or ("permission denied",)))


class NotFound(VaultError):
    """A read or list with nothing to return (404 with an empty error list by default)."""

    status = 404


class UnsupportedPath(VaultError):
    status = 404


class UnsupportedOperation(VaultError):
    status = 405

    def __init__(self, *messages: str) -> None:
        super().__init__(*(messages or ("unsupported operation",)))


class PayloadTooLarge(VaultError):
    status = 413


class RateLimited(VaultError):
    status = 429


class InternalError(VaultError):
    status = 500


class NotInitialized(VaultError):
    status = 400


class Sealed(VaultError):
    status = 503

    def __init__(self, *messages: str) -> None:
        super().__init__(*(messages or ("Vault is sealed",)))


class CodedError(VaultError):
    """An explicit status for the rare case no named class fits."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(*messages)
        self.code = status

    @property
    def http_status(self) -> int:
        return self.code


def multierror(message: str) -> str:
    """Vault wraps backend errors with go-multierror; clients see this exact text."""
    return f"1 error occurred:\n\t* {message}\n\n"


def status_of(error: VaultError) -> int:
    """The HTTP status for ``error`` (``CodedError`` carries its own)."""
    if isinstance(error, CodedError):
        return error.code
    return error.status
