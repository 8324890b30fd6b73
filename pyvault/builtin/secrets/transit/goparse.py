"""Go's base64 decoder, shared with sys/tools (see pyvault.util.gobase64)."""

from __future__ import annotations

from pyvault.util.gobase64 import Base64Error, go_b64decode

__all__ = ["Base64Error", "go_b64decode"]
