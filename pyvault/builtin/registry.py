"""Mountable backend types: name → factory. Engines are imported on first mount,
so a server that never mounts PKI never imports it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig

BackendFactory = Callable[[BackendConfig], Backend]

# type → "module:factory"
SECRET_ENGINES: dict[str, str] = {
    "kv": "pyvault.builtin.secrets.kv.backend:kv_backend",
    "pki": "pyvault.builtin.secrets.pki.backend:pki_backend",
    "transit": "pyvault.builtin.secrets.transit.backend:transit_backend",
    "totp": "pyvault.builtin.secrets.totp.backend:totp_backend",
}
# Engines being built land here as their packages arrive (transit, pki, totp).
# Types that exist but are mounted only by the core (sys/, cubbyhole/, identity).
NOT_MOUNTABLE = frozenset({"system", "cubbyhole", "identity", "token"})
AUTH_METHODS: dict[str, str] = {
    "approle": "pyvault.builtin.auth.approle.backend:approle_backend",
    "userpass": "pyvault.builtin.auth.userpass.backend:userpass_backend",
}
CUBBYHOLE = "pyvault.builtin.secrets.cubbyhole.backend:cubbyhole_backend"


def load_factory(reference: str) -> BackendFactory:
    module, _, name = reference.partition(":")
    factory: BackendFactory = getattr(importlib.import_module(module), name)
    return factory
