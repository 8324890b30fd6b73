"""Version strings. ``VAULT_API_VERSION`` is what we tell Vault clients: the Vault
API level we implement, with our own version as semver build metadata, so tools that
gate features on the server version (Terraform's provider, the CLI) see a modern Vault."""

from __future__ import annotations

__version__ = "0.1.0"
VAULT_API_VERSION = f"1.18.0+pyvault.{__version__}"
BUILD_DATE = "2026-11-28T00:00:00Z"


def build_date() -> str:
    return BUILD_DATE
