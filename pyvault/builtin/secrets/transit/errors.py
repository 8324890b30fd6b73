"""Vault's two error kinds in keysutil: user errors (400) and everything else."""

from __future__ import annotations

from pyvault.logical.errors import InvalidRequest


class UserError(InvalidRequest):
    """Bad input the client can fix; shown verbatim with status 400."""
