"""Declarative path tables: one structure drives routing, validation, help and OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field
from pyvault.framework.template import CompiledTemplate, compile_template
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response

Handler = Callable[[Request, FieldData], Awaitable[Response | None]]
ExistenceCheck = Callable[[Request, FieldData], Awaitable[bool]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PathOperation:
    handler: Handler
    summary: str = ""
    forward_to_active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Path:
    """One URL template (or a few equivalent ones) of a backend."""

    patterns: tuple[str, ...]
    fields: Mapping[str, Field] = field(default_factory=dict)
    operations: Mapping[Operation, PathOperation] = field(default_factory=dict)
    existence_check: ExistenceCheck | None = None
    synopsis: str = ""
    description: str = ""
    takes_arbitrary_input: bool = False
    compiled: tuple[CompiledTemplate, ...] = ()

    def __post_init__(self) -> None:
        compiled = tuple(compile_template(p) for p in self.patterns)
        for template in compiled:
            missing = [c for c in template.captures if c not in self.fields]
            if missing:
                raise ValueError(f"path {template.template!r} has no Field for {missing}")
        object.__setattr__(self, "compiled", compiled)

    def match(self, path: str) -> dict[str, str] | None:
        for template in self.compiled:
            captures = template.match(path)
            if captures is not None:
                return captures
        return None


def ops(**handlers: Handler) -> dict[Operation, PathOperation]:
    """``ops(read=self._read, update=self._write)`` → the operations mapping."""
    return {Operation(name): PathOperation(handler=h) for name, h in handlers.items()}
