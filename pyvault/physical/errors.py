"""Errors raised by physical backends."""

from __future__ import annotations


class PhysicalError(Exception):
    """The store failed or was misconfigured; the HTTP layer maps this to a 500.

    One class is enough: callers cannot recover differently from a full disk, a
    missing directory or a failed commit, they can only report it.
    """
