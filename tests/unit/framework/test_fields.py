"""Vault's input coercion, written once in the framework."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import Field, FieldType
from pyvault.framework.template import compile_template
from pyvault.logical.errors import InvalidRequest


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (FieldType.BOOL, "true", True),
        (FieldType.BOOL, "1", True),
        (FieldType.BOOL, "f", False),
        (FieldType.BOOL, 0, False),
        (FieldType.INT, "42", 42),
        (FieldType.INT, 42.0, 42),
        (FieldType.INT, "0x10", 16),
        (FieldType.DURATION, "30m", 1800),
        (FieldType.DURATION, "1h30m", 5400),
        (FieldType.DURATION, 90, 90),
        (FieldType.DURATION, "90", 90),
        (FieldType.COMMA_STRING_SLICE, "a, b,c", ["a", "b", "c"]),
        (FieldType.COMMA_STRING_SLICE, ["a", "b,c"], ["a", "b", "c"]),
        (FieldType.STRING, 5, "5"),
        (FieldType.MAP, '{"a": 1}', {"a": 1}),
        (FieldType.KV_PAIRS, ["a=b", "c=d=e"], {"a": "b", "c": "d=e"}),
        (FieldType.LOWERCASE_STRING, "AbC", "abc"),
    ],
)
def test_coercion(kind: FieldType, raw: Any, expected: Any) -> None:
    data = FieldData({"x": raw}, {"x": Field(type=kind)})
    assert data.get("x") == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(FieldType.BOOL, "maybe"), (FieldType.INT, "4.5"), (FieldType.DURATION, "soon"),
     (FieldType.MAP, "[1]")],
)
def test_bad_input_is_a_400_naming_the_field(kind: FieldType, raw: Any) -> None:
    data = FieldData({"x": raw}, {"x": Field(type=kind)})
    expected = r'Field validation failed: error converting input for field "x"'
    with pytest.raises(InvalidRequest, match=expected):
        data.validate()


def test_defaults_zero_values_and_unknown_fields() -> None:
    schema = {"ttl": Field(type=FieldType.DURATION, default="1h"),
              "tags": Field(type=FieldType.COMMA_STRING_SLICE)}
    data = FieldData({"bogus": 1}, schema)
    assert data.get("ttl") == 3600
    assert data.get("tags") == []
    assert data.unknown_fields() == ["bogus"]
    assert data.get_ok("ttl") == (3600, False)


def test_allowed_values_and_required() -> None:
    schema = {"format": Field(allowed=("hex", "base64")), "name": Field(required=True)}
    with pytest.raises(InvalidRequest, match="must be one of hex, base64"):
        FieldData({"format": "raw", "name": "n"}, schema).validate()
    with pytest.raises(InvalidRequest, match="missing required field 'name'"):
        FieldData({}, schema).validate()


def test_templates_compile_to_anchored_regexes() -> None:
    name = compile_template("keys/{name}")
    assert name.match("keys/my-key.v2") == {"name": "my-key.v2"}
    assert name.match("keys/a/b") is None
    assert name.match("keys/-bad") is None
    path = compile_template("data/{path:path}")
    assert path.match("data/a/b/c") == {"path": "a/b/c"}
    custom = compile_template("random/{bytes:\\d+}")
    assert custom.match("random/32") == {"bytes": "32"}
    assert custom.match("random/x") is None
