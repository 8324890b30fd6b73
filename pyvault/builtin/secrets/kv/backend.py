"""The ``kv`` mount type: version 1 or 2, chosen by the mount's ``options.version``."""

from __future__ import annotations

from pyvault.builtin.secrets.kv.path_config import ConfigPaths
from pyvault.builtin.secrets.kv.path_data import DataPaths
from pyvault.builtin.secrets.kv.path_delete import DeletePaths
from pyvault.builtin.secrets.kv.path_destroy import DestroyPaths
from pyvault.builtin.secrets.kv.path_invalid import invalid_paths
from pyvault.builtin.secrets.kv.path_metadata import MetadataPaths
from pyvault.builtin.secrets.kv.path_subkeys import SubkeysPaths
from pyvault.builtin.secrets.kv.store import V2Store
from pyvault.builtin.secrets.kv.v1 import v1_backend
from pyvault.framework.backend import Backend
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.system_view import BackendConfig

__all__ = ["kv_backend", "v1_backend", "v2_backend"]


def kv_backend(config: BackendConfig) -> Backend:
    """"1" or "" (or no option) → v1; "2" → v2, as Vault's factory decides."""
    version = config.options.get("version", "")
    if version in ("", "1"):
        return v1_backend(config)
    if version == "2":
        return v2_backend(config)
    raise InvalidRequest('nil backend of type "kv" returned from factory')


def v2_backend(config: BackendConfig) -> Backend:
    store = V2Store(config.clock)
    paths = [
        *ConfigPaths(store).paths(),
        *DataPaths(store).paths(),
        *MetadataPaths(store).paths(),
        *DestroyPaths(store).paths(),
        *SubkeysPaths(store).paths(),
        *DeletePaths(store).paths(),
        *invalid_paths(),  # last: it matches every path
    ]
    return Backend(paths=paths, backend_type="kv", help=HELP)


HELP = (
    "This backend provides a versioned key-value store. The kv backend reads and\n"
    "writes arbitrary secrets to the storage backend. The secrets are\n"
    "encrypted/decrypted by Vault: they are never stored unencrypted in the backend\n"
    "and the backend never has an opportunity to see the unencrypted value. Each key\n"
    "can have a configured number of versions, and versions can be retrieved based on\n"
    "their version numbers."
)
