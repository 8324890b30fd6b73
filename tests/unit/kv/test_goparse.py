"""Vault's weak decoding, with the texts OpenBao 2.7.2 answered for each input."""

from __future__ import annotations

from typing import Any

import pytest

from pyvault.builtin.secrets.kv import goparse
from pyvault.builtin.secrets.kv.goparse import GoDecodeError

INT_SYNTAX = "'' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
BOOL_SYNTAX = "'' cannot parse value as 'bool': strconv.ParseBool: invalid syntax"


@pytest.mark.parametrize(("value", "expected"), [
    (None, 0), (True, 1), (False, 0), (7, 7), (-3, -3), ("", 0), ("-3", -3), ("0x10", 16),
    ("0b1", 1), ("0o17", 15), ("010", 8), ("1_0", 10), ("+4", 4),
])
def test_weak_int_accepts_what_vault_accepts(value: Any, expected: int) -> None:
    assert goparse.weak_int(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("abc", INT_SYNTAX), (1.5, INT_SYNTAX), ("1.0", INT_SYNTAX), (" 5", INT_SYNTAX),
    ("5 ", INT_SYNTAX), ("1e2", INT_SYNTAX), ("1__0", INT_SYNTAX), ("_1", INT_SYNTAX),
    ("08", INT_SYNTAX), ("0x", INT_SYNTAX),
    ([1], "'' expected type 'int', got unconvertible type '[]interface {}'"),
    ({"a": 1}, "'' expected type 'int', got unconvertible type 'map[string]interface {}'"),
    (9223372036854775808,
     "'' cannot parse value as 'int': strconv.ParseInt: value out of range"),
    (9.3e18, "'' cannot parse value as 'int': strconv.ParseInt: value out of range"),
])
def test_weak_int_errors(value: Any, message: str) -> None:
    with pytest.raises(GoDecodeError) as caught:
        goparse.weak_int(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), (True, True), ("", False), ("true", True), ("T", True), ("0", False),
    (1, True), (0, False),
])
def test_weak_bool(value: Any, expected: bool) -> None:
    assert goparse.weak_bool(value) is expected


@pytest.mark.parametrize(("value", "message"), [
    ("abc", BOOL_SYNTAX), (1.5, BOOL_SYNTAX), (-3, BOOL_SYNTAX), ("0x10", BOOL_SYNTAX),
    ([1], "'' expected type 'bool', got unconvertible type '[]interface {}'"),
])
def test_weak_bool_errors(value: Any, message: str) -> None:
    with pytest.raises(GoDecodeError) as caught:
        goparse.weak_bool(value)
    assert str(caught.value) == message


def test_weak_map_merges_a_list_of_maps_and_names_bad_items() -> None:
    assert goparse.weak_map([{"a": 1}, {"b": 2}]) == {"a": 1, "b": 2}
    assert goparse.weak_map([]) == {}
    assert goparse.weak_map(None) is None
    with pytest.raises(GoDecodeError) as caught:
        goparse.weak_map([1])
    assert str(caught.value) == (
        "'[0]' expected type 'map[string]interface {}', got unconvertible type 'json.Number'")
    with pytest.raises(GoDecodeError) as caught:
        goparse.weak_map("x")
    assert str(caught.value) == (
        "'' expected type 'map[string]interface {}', got unconvertible type 'string'")


def test_weak_string() -> None:
    assert goparse.weak_string(True) == "1"
    assert goparse.weak_string(3) == "3"
    assert goparse.weak_string(None) == ""
    with pytest.raises(GoDecodeError) as caught:
        goparse.weak_string([1])
    assert str(caught.value) == "'' expected type 'string', got unconvertible type '[]interface {}'"


@pytest.mark.parametrize(("value", "expected"), [
    ("1,2", [1, 2]), (3, [3]), ([1, "2"], [1, 2]), ("", []), (None, []), (True, [1]),
    ("1,,2", [1, 0, 2]), (["0x10", None], [16, 0]),
])
def test_comma_int_slice(value: Any, expected: list[int]) -> None:
    assert goparse.comma_int_slice(value) == expected


def test_comma_int_slice_reports_every_bad_item() -> None:
    with pytest.raises(GoDecodeError) as caught:
        goparse.comma_int_slice(["x", "y", {"a": 1}])
    assert str(caught.value) == (
        "decoding failed due to the following error(s):\n\n"
        "'[0]' cannot parse value as 'int': strconv.ParseInt: invalid syntax\n"
        "'[1]' cannot parse value as 'int': strconv.ParseInt: invalid syntax\n"
        "'[2]' expected type 'int', got unconvertible type 'map[string]interface {}'")
    with pytest.raises(GoDecodeError, match=r"'\[1\]' cannot parse"):
        goparse.comma_int_slice("1, 2")


@pytest.mark.parametrize(("value", "seconds"), [
    (None, 0), ("", 0), (90, 90), ("90", 90), ("1d", 86400), ("1.5h", 5400), ("1h30m", 5400),
    ("300ms", 0), ("-5s", -5), ("-1.5s", -1), ("0", 0), ("+2m", 120),
])
def test_duration_seconds(value: Any, seconds: int) -> None:
    assert goparse.duration_seconds(value, signed=True) == seconds


@pytest.mark.parametrize(("value", "message"), [
    ("abc", 'time: invalid duration "abc"'),
    (1.5, 'time: missing unit in duration "1.5"'),
    ("1.0", 'time: missing unit in duration "1.0"'),
    ("0x10", 'time: unknown unit "x" in duration "0x10"'),
    (" 5", 'time: invalid duration " 5"'),
    ("5 ", 'time: unknown unit " " in duration "5 "'),
    ("1e2", 'time: unknown unit "e" in duration "1e2"'),
    ("2.5d", 'strconv.ParseInt: parsing "2.5": invalid syntax'),
    ([1], "could not parse duration from input"),
    (True, "could not parse duration from input"),
    ("9999999999999h", 'time: invalid duration "9999999999999h"'),
])
def test_duration_errors(value: Any, message: str) -> None:
    with pytest.raises(GoDecodeError) as caught:
        goparse.duration_seconds(value, signed=True)
    assert str(caught.value) == message


def test_unsigned_duration_refuses_negative_values() -> None:
    with pytest.raises(GoDecodeError) as caught:
        goparse.duration_seconds("-3", signed=False)
    assert str(caught.value) == "cannot provide negative value '-3'"


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (45, "45s"), (90, "1m30s"), (3600, "1h0m0s"), (7265, "2h1m5s"), (-1, "-1s"),
])
def test_format_go_duration(seconds: int, text: str) -> None:
    assert goparse.format_go_duration(seconds) == text
