"""Server configuration in Vault's HCL (or JSON), parsed into frozen dataclasses.

``load_config(paths)`` reads files and directories and merges them;
``parse_config(text, source)`` parses one file's text. Every problem is a
``ConfigError`` whose message is one line naming the file.
"""

from pyvault.config.load import load_config
from pyvault.config.model import (
    ConfigError,
    ListenerConfig,
    SealConfigBlock,
    ServerConfig,
    StorageConfig,
)
from pyvault.config.parse import parse_config

__all__ = [
    "ConfigError",
    "ListenerConfig",
    "SealConfigBlock",
    "ServerConfig",
    "StorageConfig",
    "load_config",
    "parse_config",
]
