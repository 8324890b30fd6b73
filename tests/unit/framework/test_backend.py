"""A backend is a table of Paths: routing, operations, warnings, help, existence."""

from __future__ import annotations

import pytest

from pyvault.framework.backend import Backend
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import UnsupportedOperation, UnsupportedPath
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request
from pyvault.logical.response import Response

STORE: dict[str, str] = {}


async def _read(request: Request, data: FieldData) -> Response | None:
    value = STORE.get(data.get_str("name"))
    return None if value is None else Response(data={"value": value})


async def _write(request: Request, data: FieldData) -> None:
    STORE[data.get_str("name")] = data.get_str("value")


async def _exists(request: Request, data: FieldData) -> bool:
    return data.get_str("name") in STORE


def backend() -> Backend:
    return Backend(paths=[Path(
        patterns=("items/{name}",),
        fields={"name": Field(description="Item name."),
                "value": Field(type=FieldType.STRING, description="Item value.")},
        operations=ops(read=_read, create=_write, update=_write),
        existence_check=_exists,
        synopsis="Items.", description="Stores items.",
    )])


async def test_routes_and_handles() -> None:
    STORE.clear()
    b = backend()
    await b.handle(Request(operation=Operation.UPDATE, path="items/a", data={"value": "1"}))
    read = await b.handle(Request(operation=Operation.READ, path="items/a"))
    assert read is not None and read.data == {"value": "1"}


async def test_unknown_fields_become_a_warning_not_an_error() -> None:
    b = backend()
    written = await b.handle(
        Request(operation=Operation.UPDATE, path="items/b", data={"value": "2", "colour": "x"})
    )
    assert written is None  # nothing to say: still a 204, as Vault
    read = await b.handle(Request(operation=Operation.READ, path="items/b", data={"x": "1"}))
    assert read is not None
    assert read.warnings == ["Endpoint ignored these unrecognized parameters: [x]"]


async def test_unknown_path_and_operation() -> None:
    with pytest.raises(UnsupportedPath):
        await backend().handle(Request(operation=Operation.READ, path="nope"))
    with pytest.raises(UnsupportedOperation) as caught:
        await backend().handle(Request(operation=Operation.DELETE, path="items/a"))
    assert caught.value.messages == ["1 error occurred:\n\t* unsupported operation\n\n"]


async def test_existence_check_decides_create_or_update() -> None:
    STORE.clear()
    b = backend()
    assert await b.exists(Request(operation=Operation.UPDATE, path="items/new")) is False
    STORE["new"] = "x"
    assert await b.exists(Request(operation=Operation.UPDATE, path="items/new")) is True


async def test_help_comes_from_the_table() -> None:
    response = await backend().handle(Request(operation=Operation.HELP, path="items/a"))
    assert response is not None and response.data is not None
    assert "Items." in response.data["help"] and "Stores items." in response.data["help"]
    assert "/items/{name}" in response.data["openapi"]["paths"]


def test_a_capture_without_a_field_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="has no Field"):
        Path(patterns=("keys/{name}",), fields={})
