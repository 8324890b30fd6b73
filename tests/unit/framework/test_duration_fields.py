"""Duration fields decode as Vault's ``TypeDurationSecond``/``TypeSignedDurationSecond``
(texts checked against OpenBao 2.7.2), and the existence check reports bad input
without the handler's "Field validation failed: " prefix, as Vault does."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.framework.backend import Backend
from pyvault.framework.field_data import FieldData
from pyvault.framework.fields import CoercionError, Field, FieldType, parse_duration_seconds
from pyvault.framework.path import Path, ops
from pyvault.logical.errors import InvalidRequest
from pyvault.logical.operation import Operation
from pyvault.logical.request import Request

OVERFLOW = "multiplication of durations resulted in overflow, one operand may be too large"


@pytest.mark.parametrize(("raw", "seconds"), [
    (90, 90), ("90", 90), ("+5", 5), ("1d", 86400), ("1h30m", 5400),
    ("1.9s", 1),      # truncated toward zero, as Go's int(d.Seconds())
    ("-0.5s", 0),     # rounds to zero seconds: not negative, so accepted
    ("-0", 0), ("", 0), (None, 0), (9223372036, 9223372036),
])
def test_accepted_durations(raw: Any, seconds: int) -> None:
    assert parse_duration_seconds(raw) == seconds


@pytest.mark.parametrize(("raw", "error"), [
    (-5, "cannot provide negative value '-5'"),
    ("-5s", "cannot provide negative value '-5'"),
    ("-1d", "cannot provide negative value '-86400'"),
    ("abc", 'time: invalid duration "abc"'),
    (" 5", 'time: invalid duration " 5"'),
    ("5 ", 'time: unknown unit " " in duration "5 "'),
    ("0x10", 'time: unknown unit "x" in duration "0x10"'),
    (1.5, 'time: missing unit in duration "1.5"'),  # a JSON number is its literal text
    ("1.5", 'time: missing unit in duration "1.5"'),
    (True, "could not parse duration from input"),
    ([1], "could not parse duration from input"),
    ({}, "could not parse duration from input"),
    ("x d", 'strconv.ParseInt: parsing "x ": invalid syntax'),
    (9999999999999, OVERFLOW),
    ("-9999999999999", OVERFLOW),
    ("999999999d", OVERFLOW),
    (99999999999999999999, 'time: invalid duration "99999999999999999999"'),
    ("99999999999999999999h", 'time: invalid duration "99999999999999999999h"'),
])
def test_refused_durations(raw: Any, error: str) -> None:
    with pytest.raises(CoercionError) as caught:
        parse_duration_seconds(raw)
    assert str(caught.value) == error


def test_only_signed_fields_take_negative_values() -> None:
    schema = {"ttl": Field(type=FieldType.DURATION),
              "after": Field(type=FieldType.SIGNED_DURATION)}
    assert FieldData({"after": "-1.5s"}, schema).get("after") == -1
    assert FieldData({"after": -5}, schema).get("after") == -5
    with pytest.raises(InvalidRequest) as caught:
        FieldData({"ttl": "-1m"}, schema).validate()
    assert str(caught.value) == ('Field validation failed: error converting input for field '
                                 "\"ttl\": cannot provide negative value '-60'")
    with pytest.raises(InvalidRequest) as caught:
        FieldData({"after": "soon"}, schema).validate()
    assert str(caught.value) == ('Field validation failed: error converting input for field '
                                 '"after": time: invalid duration "soon"')


def test_check_types_without_prefix_and_without_required_fields() -> None:
    schema = {"ttl": Field(type=FieldType.DURATION), "name": Field(required=True)}
    with pytest.raises(InvalidRequest) as caught:
        FieldData({"ttl": True}, schema).check_types(prefixed=False)
    assert str(caught.value) == ('error converting input for field "ttl": could not parse '
                                 "duration from input")
    FieldData({"ttl": 5}, schema).check_types(prefixed=False)  # no required-field check


CHECKED: list[str] = []


async def _exists(request: Request, data: FieldData) -> bool:
    CHECKED.append(data.get_str("name"))
    return False


async def _write(request: Request, data: FieldData) -> None:
    return None


def _backend() -> Backend:
    fields = {"name": Field(), "ttl": Field(type=FieldType.DURATION)}
    return Backend(paths=[
        Path(patterns=("checked/{name}",), fields=fields,
             operations=ops(create=_write, update=_write), existence_check=_exists),
        Path(patterns=("plain/{name}",), fields=fields, operations=ops(update=_write)),
    ])


async def test_the_existence_check_validates_first_and_without_prefix() -> None:
    backend = _backend()
    bad = Request(operation=Operation.UPDATE, path="checked/a", data={"ttl": -5})
    with pytest.raises(InvalidRequest) as caught:
        await backend.exists(bad)
    assert str(caught.value) == ("error converting input for field \"ttl\": cannot provide "
                                 "negative value '-5'")
    assert CHECKED == []  # the backend's check never saw the bad input
    good = Request(operation=Operation.UPDATE, path="checked/a", data={"ttl": "1h"})
    assert await backend.exists(good) is False and CHECKED == ["a"]


async def test_a_path_without_existence_check_keeps_the_prefix() -> None:
    backend = _backend()
    request = Request(operation=Operation.UPDATE, path="plain/a", data={"ttl": -5})
    assert await backend.exists(request) is None
    with pytest.raises(InvalidRequest) as caught:
        await backend.handle(request)
    assert str(caught.value).startswith("Field validation failed: error converting input")


def test_a_null_duration_is_not_given() -> None:
    """Vault's decoder: null leaves a duration unset (its default applies), while a
    null int or bool is given as zero."""
    schema = {"ttl": Field(type=FieldType.DURATION, default="1h"),
              "uses": Field(type=FieldType.INT, default=3)}
    data = FieldData({"ttl": None, "uses": None}, schema)
    data.validate()
    assert data.get_ok("ttl") == (3600, False)
    assert data.get_ok("uses") == (0, True)
