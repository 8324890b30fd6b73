"""Request fields decoded the way Vault's framework does, with its exact messages.

The kv paths declare their fields as ``FieldType.ANY`` for the shared framework
and decode them here, because clients see Vault's mapstructure texts (and the
"Field validation failed: " prefix only where Vault adds it: a create/update on
a path with an existence check validates inside that check, without prefix).
The same module adds Vault's "ignored"/"replaced" parameter warnings, which
Vault attaches only to responses that have a body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Any

from pyvault.builtin.secrets.kv import goparse
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response

Handler = Callable[[Request, FieldData], Awaitable[Response | None]]


class Kind(Enum):
    INT = "int"
    BOOL = "bool"
    STRING = "string"
    MAP = "map"
    DURATION = "duration"
    SIGNED_DURATION = "signed_duration"
    INT_SLICE = "comma_int_slice"


_DECODERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.INT: goparse.weak_int,
    Kind.BOOL: goparse.weak_bool,
    Kind.STRING: goparse.weak_string,
    Kind.MAP: goparse.weak_map,
    Kind.DURATION: lambda v: goparse.duration_seconds(v, signed=False),
    Kind.SIGNED_DURATION: lambda v: goparse.duration_seconds(v, signed=True),
    Kind.INT_SLICE: goparse.comma_int_slice,
}
_ZERO: dict[Kind, Any] = {Kind.INT: 0, Kind.BOOL: False, Kind.STRING: "", Kind.MAP: None,
                          Kind.DURATION: 0, Kind.SIGNED_DURATION: 0, Kind.INT_SLICE: []}
PATH_FIELD = Field(type=FieldType.STRING, description="Location of the secret.")


def schema(kinds: Mapping[str, tuple[Kind, str]]) -> dict[str, Field]:
    """Framework fields for ``{"name": (Kind, description)}`` plus the ``path`` capture."""
    fields = {"path": PATH_FIELD}
    fields.update({name: Field(type=FieldType.ANY, description=text)
                   for name, (_, text) in kinds.items()})
    return fields


class Input:
    """The decoded fields of one request: ``get_ok`` answers like Vault's ``GetOk``."""

    __slots__ = ("_given", "_kinds", "_values")

    def __init__(self, data: FieldData, kinds: Mapping[str, tuple[Kind, str]],
                 *, prefixed: bool) -> None:
        self._kinds = kinds
        self._values: dict[str, Any] = {}
        self._given: set[str] = set()
        for name, raw in data.raw.items():
            spec = kinds.get(name)
            if spec is None:
                continue
            kind = spec[0]
            try:
                value = _DECODERS[kind](raw)
            except goparse.GoDecodeError as exc:
                text = f'error converting input for field "{name}": {exc}'
                raise InvalidRequest(("Field validation failed: " if prefixed else "") + text) \
                    from None
            if raw is None and kind in (Kind.DURATION, Kind.SIGNED_DURATION):
                continue  # Vault reports a null duration as "not given"
            self._values[name] = value
            self._given.add(name)

    def get(self, name: str) -> Any:
        """The decoded value, else the kind's zero value (Vault's ``Get``)."""
        if name in self._values:
            return self._values[name]
        zero = _ZERO[self._kinds[name][0]]
        return list(zero) if isinstance(zero, list) else zero

    def get_ok(self, name: str) -> tuple[Any, bool]:
        return self.get(name), name in self._given

    def given(self, name: str) -> bool:
        return name in self._given


def decode(request: Request, data: FieldData, kinds: Mapping[str, tuple[Kind, str]],
           *, existence_checked: bool = False) -> Input:
    """Validate every given field now, as Vault does before calling a handler."""
    inside_check = existence_checked and request.operation in (
        Operation.CREATE, Operation.UPDATE)
    return Input(data, kinds, prefixed=not inside_check)


def secret_path(data: FieldData) -> str:
    """The captured path; ``..`` segments are refused as Vault's router does."""
    path = data.get_str("path")
    if ".." in path.split("/"):
        raise InvalidRequest("relative paths not supported")
    return path


def with_param_warnings(fields: Mapping[str, Field], handler: Handler) -> Handler:
    """Vault's framework warnings, added only when the handler returned a response."""

    async def wrapped(request: Request, data: FieldData) -> Response | None:
        response = await handler(request, data)
        if response is None:
            return None
        ignored = sorted(k for k in request.data if k not in fields)
        if ignored:
            response.warnings.append(
                f"Endpoint ignored these unrecognized parameters: [{' '.join(ignored)}]")
        replaced = sorted(k for k in ("path",)
                          if k in fields and request.data.get(k) is not None)
        if replaced:
            response.warnings.append(
                "Endpoint replaced the value of these parameters with the values captured "
                f"from the endpoint's path: [{' '.join(replaced)}]")
        return response

    return wrapped
