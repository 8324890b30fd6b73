"""The ``transit`` mount type: path groups over one key store."""

from __future__ import annotations

from pyvault.builtin.secrets.transit.path_backup import BackupPaths
from pyvault.builtin.secrets.transit.path_crypt import CryptPaths
from pyvault.builtin.secrets.transit.path_datakey import DatakeyPaths
from pyvault.builtin.secrets.transit.path_export import ExportPaths
from pyvault.builtin.secrets.transit.path_import import ImportPaths
from pyvault.builtin.secrets.transit.path_keyconfig import KeyConfigPaths
from pyvault.builtin.secrets.transit.path_keys import KeyPaths
from pyvault.builtin.secrets.transit.path_sign import SignPaths
from pyvault.builtin.secrets.transit.path_tools import ToolPaths
from pyvault.builtin.secrets.transit.store import KeyStore
from pyvault.framework.backend import Backend
from pyvault.logical.system_view import BackendConfig


def transit_backend(config: BackendConfig) -> Backend:
    store = KeyStore(config.clock, config.random)
    paths = [
        # Config/rotate/trim before keys/<name>, as Vault orders them.
        *KeyConfigPaths(store).paths(),
        *ImportPaths(store).paths(),
        *KeyPaths(store).paths(),
        *CryptPaths(store).paths(),
        *DatakeyPaths(store).paths(),
        *SignPaths(store).paths(),
        *ToolPaths(store).paths(),
        *ExportPaths(store).paths(),
        *BackupPaths(store).paths(),
    ]
    return Backend(paths=paths, backend_type="transit", help=HELP)


HELP = (
    "The transit backend is used to encrypt/decrypt data in-transit. It provides a "
    "way to send data to Vault and have it encrypted with a named key, and decrypted "
    "later, without the key ever leaving Vault."
)
