"""Errors raised while reading HCL, worded as Go's HCL library words them."""

from __future__ import annotations

from pyvault.policy.hcl.nodes import Pos

__all__ = ["HCLError", "PosError"]


class HCLError(Exception):
    """A syntax or decoding error; ``str()`` is the message Vault would print."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PosError(HCLError):
    """Go's ``parser.PosError``: ``At <line>:<col>: <message>``."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(f"At {pos}: {message}")
        self.pos = pos
