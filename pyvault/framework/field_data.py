"""Typed access to a request's input, validated against the path's field schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyvault.framework.fields import CoercionError, Field, FieldType, coerce, conversion_error
from pyvault.logical.errors import InvalidRequest

# Vault's decoder reports a JSON null as "not given" for durations only (the
# default applies); every other type decodes null to its zero value.
_NULL_MEANS_ABSENT = (FieldType.DURATION, FieldType.SIGNED_DURATION)


class FieldData:
    """Raw input plus the schema; values are coerced on first access and cached."""

    __slots__ = ("_cache", "_raw", "_schema")

    def __init__(self, raw: Mapping[str, Any], schema: Mapping[str, Field]) -> None:
        self._raw = raw
        self._schema = schema
        self._cache: dict[str, Any] = {}

    @property
    def raw(self) -> Mapping[str, Any]:
        return self._raw

    def validate(self) -> None:
        """Coerce every given field now so bad input fails before the handler runs."""
        self.check_types()
        for name, spec in self._schema.items():
            if spec.required and name not in self._raw:
                raise InvalidRequest(f"missing required field {name!r}")

    def check_types(self, *, prefixed: bool = True) -> None:
        """Coerce every given field (Vault's ``FieldData.Validate``). The existence
        check runs it with ``prefixed=False``: Vault reports its errors without the
        handler's "Field validation failed: " prefix."""
        for name in self._raw:
            spec = self._schema.get(name)
            if spec is not None and name not in self._cache and self._present(name, spec):
                self._cache[name] = self._coerce(name, spec, self._raw[name], prefixed=prefixed)

    def unknown_fields(self) -> list[str]:
        return sorted(k for k in self._raw if k not in self._schema)

    def given(self, name: str) -> bool:
        spec = self._schema.get(name)
        return self._present(name, spec) if spec is not None else name in self._raw

    def _present(self, name: str, spec: Field) -> bool:
        return name in self._raw and (
            self._raw[name] is not None or spec.type not in _NULL_MEANS_ABSENT)

    def get(self, name: str) -> Any:
        """The coerced value, else the field's default, else its type's zero value."""
        if name in self._cache:
            return self._cache[name]
        spec = self._schema.get(name)
        if spec is None:
            raise KeyError(f"field {name!r} is not in the schema")
        if self._present(name, spec):
            value = self._coerce(name, spec, self._raw[name])
        elif spec.default is not None:
            value = self._coerce(name, spec, spec.default)
        else:
            value = spec.zero()
        self._cache[name] = value
        return value

    def get_ok(self, name: str) -> tuple[Any, bool]:
        """(value, True) when the client gave the field, else (default, False)."""
        return self.get(name), self.given(name)

    def _coerce(self, name: str, spec: Field, value: Any, *, prefixed: bool = True) -> Any:
        try:
            result = coerce(spec.type, value)
        except CoercionError as exc:
            raise conversion_error(name, value, exc, prefixed=prefixed) from None
        if spec.allowed and result not in spec.allowed:
            raise InvalidRequest(
                f"field {name!r} must be one of {', '.join(map(str, spec.allowed))}"
            )
        return result

    def get_str(self, name: str) -> str:
        return str(self.get(name))

    def get_int(self, name: str) -> int:
        return int(self.get(name))

    def get_bool(self, name: str) -> bool:
        return bool(self.get(name))

    def get_list(self, name: str) -> list[Any]:
        value = self.get(name)
        return list(value) if isinstance(value, list) else []

    def get_map(self, name: str) -> dict[str, Any]:
        value = self.get(name)
        return dict(value) if isinstance(value, dict) else {}

    def type_of(self, name: str) -> FieldType:
        return self._schema[name].type
