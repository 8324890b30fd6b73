"""subkeys/<path>: the shape of a secret, values replaced by null."""

from __future__ import annotations

import pytest

from pyvault.builtin.secrets.kv.path_subkeys import strip_values
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from tests.unit.kv.support import KV

SECRET = {"a": 1, "b": {"c": {"d": 1}, "e": {}}, "f": [1, {"g": 1}], "h": None}


@pytest.mark.parametrize(("depth", "expected"), [
    (0, {"a": None, "b": {"c": {"d": None}, "e": None}, "f": None, "h": None}),
    (1, {"a": None, "b": None, "f": None, "h": None}),
    (2, {"a": None, "b": {"c": None, "e": None}, "f": None, "h": None}),
    (-1, {"a": None, "b": None, "f": None, "h": None}),
])
async def test_depth_cuts_the_tree(depth: int, expected: dict[str, object]) -> None:
    kv = KV()
    await kv.put("sk", SECRET)
    response = await kv.read("subkeys/sk", depth=str(depth))
    assert response is not None and response.data is not None
    assert response.data["subkeys"] == expected
    assert response.data["metadata"]["version"] == 1
    assert list(response.data) == ["metadata", "subkeys"]


async def test_version_and_missing_and_deleted() -> None:
    kv = KV()
    await kv.put("sk", {"old": 1})
    await kv.put("sk", {"new": 1})
    old = await kv.read("subkeys/sk", version=1)
    assert old is not None and old.data is not None
    assert old.data["subkeys"] == {"old": None}
    assert await kv.read("subkeys/sk", version=5) is None
    assert await kv.read("subkeys/nokey") is None
    await kv.call(Operation.DELETE, "data/sk")
    deleted = await kv.read("subkeys/sk")
    assert deleted is not None and deleted.not_found_with_data
    assert deleted.data is not None and deleted.data["subkeys"] is None


async def test_bad_depth_is_a_field_validation_error() -> None:
    kv = KV()
    with pytest.raises(InvalidRequest, match=r"^Field validation failed: error converting "
                                             'input for field "depth"'):
        await kv.read("subkeys/sk", depth="x")


def test_strip_values_does_not_modify_its_input() -> None:
    data = {"a": {"b": 1}}
    assert strip_values(data, 0) == {"a": {"b": None}}
    assert data == {"a": {"b": 1}}
    assert strip_values(None, 0) is None
