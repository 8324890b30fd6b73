"""``-config`` paths → files → one merged ServerConfig. The only file I/O here."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pyvault.config.model import ConfigError, ServerConfig
from pyvault.config.parse import ConfigFragment, build_config, parse_fragment

__all__ = ["load_config"]

CONFIG_SUFFIXES = (".hcl", ".json")


def load_config(paths: Sequence[str]) -> ServerConfig:
    """Load files and directories in order and merge them.

    A directory contributes its ``*.hcl`` and ``*.json`` files, sorted by
    name, not recursing. No paths at all gives an empty config.
    """
    fragments: list[ConfigFragment] = []
    for path in paths:
        for file in _expand(path):
            fragments.append(parse_fragment(_read(file), file))
    return build_config(fragments)


def _expand(path: str) -> list[str]:
    if not os.path.isdir(path):
        return [path]  # a missing path is reported when it is read
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError as exc:
        raise _os_error(path, exc) from None
    return [
        os.path.join(path, entry.name)
        for entry in entries
        if entry.name.endswith(CONFIG_SUFFIXES)
        and not _is_temporary(entry.name)
        and not entry.is_dir()
    ]


def _is_temporary(name: str) -> bool:
    """Editor leftovers Vault also skips: ``foo~``, ``.#foo``, ``#foo#``."""
    return (
        name.endswith("~") or name.startswith(".#") or (name.startswith("#") and name.endswith("#"))
    )


def _read(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"error loading configuration from {file}: the file is not valid UTF-8 text"
        ) from None
    except OSError as exc:
        raise _os_error(file, exc) from None


def _os_error(path: str, exc: OSError) -> ConfigError:
    reason = (exc.strerror or str(exc)).lower()
    return ConfigError(f"error loading configuration from {path}: {reason}")
