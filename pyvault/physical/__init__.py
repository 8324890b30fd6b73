"""Physical storage backends: untrusted byte stores under the barrier."""

from __future__ import annotations

from collections.abc import Mapping

from pyvault.physical.errors import PhysicalError
from pyvault.physical.inmem import InmemBackend
from pyvault.physical.protocol import PhysicalBackend


def create_backend(kind: str, options: Mapping[str, str]) -> PhysicalBackend:
    """The backend a ``storage "<kind>" { ... }`` config block names.

    Heavier drivers are imported only when chosen, so an inmem dev server does not
    load aiosqlite nor asyncpg.
    """
    if kind == "inmem":
        return InmemBackend()
    if kind == "sqlite":
        from pyvault.physical.sqlite import SQLiteBackend

        path = options.get("path")
        if not path:
            raise PhysicalError("sqlite storage needs a 'path'")
        return SQLiteBackend(path)
    if kind == "postgresql":
        from pyvault.physical.postgresql import PostgreSQLBackend

        return PostgreSQLBackend.from_options(options)
    raise PhysicalError(f'unknown storage type "{kind}"')


__all__ = ["InmemBackend", "PhysicalBackend", "PhysicalError", "create_backend"]
