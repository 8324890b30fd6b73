"""Identifiers: UUIDs for requests and mounts."""

from __future__ import annotations

import uuid

from pyvault.crypto.random import RandomSource


def new_uuid(source: RandomSource) -> str:
    """A random (version 4) UUID drawn from ``source``."""
    return str(uuid.UUID(bytes=source.bytes(16), version=4))
