"""The Go-compatible HCL 1 / JSON reader under the policy parser.

The syntax error texts below were checked against OpenBao 2.7.2 (as policies).
"""

from __future__ import annotations

import pytest

from pyvault.policy.hcl import HCLError, parse_config
from pyvault.policy.hcl.nodes import ListNode, Literal, ObjectList, ObjectNode
from pyvault.policy.hcl.quote import go_quote, hcl_unquote


def shape(olist: ObjectList) -> list[tuple[list[str], str]]:
    out = []
    for item in olist.items:
        val = item.val
        kind = type(val).__name__
        if isinstance(val, Literal):
            kind = val.token.text
        out.append(([key.name for key in item.keys], kind))
    return out


def test_repeated_blocks_are_separate_items() -> None:
    tree = parse_config('path "a" { x = 1 }\npath "a" { y = 2 }\nname = "n"')
    assert shape(tree) == [
        (["path", "a"], "ObjectNode"),
        (["path", "a"], "ObjectNode"),
        (["name"], '"n"'),
    ]
    assert [str(item.assign) for item in tree.items] == ["-", "-", "3:6"]


def test_json_is_flattened_like_go() -> None:
    tree = parse_config('{"path": {"a": {"x": [1]}, "b": {"y": {}}}}')
    # flattening goes on while every value is an object, even an empty one
    assert shape(tree) == [(["path", "a"], "ObjectNode"), (["path", "b", "y"], "ObjectNode")]
    lists = parse_config('{"path": [{"a": {"x": 1}}, {"a": {"x": 2}}]}')
    assert shape(lists) == [(["path", "a"], "ObjectNode"), (["path", "a"], "ObjectNode")]
    mixed = parse_config('{"path": {"a": {"x": 1}, "b": "literal"}}')
    assert shape(mixed) == [(["path"], "ObjectNode")]  # not all objects: left alone


def test_json_lists_drop_booleans() -> None:
    tree = parse_config('{"k": [true, "a", 1, false]}')
    (item,) = tree.items
    assert isinstance(item.val, ListNode)
    assert [n.token.text for n in item.val.items if isinstance(n, Literal)] == ['"a"', "1"]


def test_values_and_positions() -> None:
    tree = parse_config('a = [1, 2.5, true, "s", <<EOT\nline\nEOT\n]\nb { c = -0x1F }')
    first, second = tree.items
    assert isinstance(first.val, ListNode) and str(first.val.pos) == "1:5"
    assert [n.token.type.value for n in first.val.items if isinstance(n, Literal)] == [
        "NUMBER",
        "FLOAT",
        "BOOL",
        "STRING",
        "HEREDOC",
    ]
    assert isinstance(second.val, ObjectNode) and str(second.val.pos) == "5:3"


def test_crlf_and_comments() -> None:
    tree = parse_config('# one\r\n// two\r\n/* three\r\n */ a = "x"\r\n')
    assert shape(tree) == [(["a"], '"x"')]
    assert str(tree.items[0].assign) == "4:7"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = [1 2]", "At 1:8: error parsing list, expected comma or list end, got: NUMBER"),
        ("a = {", "At 1:7: object expected closing RBRACE got: EOF"),
        ('a = "x', "At 1:7: literal not terminated"),
        ("a = <<EOT\nno end", "At 2:7: heredoc not terminated"),
        ("a = 1 /* open", "At 1:14: comment not terminated"),
        ("x {}\n{}", "At 2:1: expected: IDENT | STRING got: LBRACE"),
        ('{"a": nope}', "1:10: illegal char"),
        ('{"a": 1, :}', "expected: STRING got: COLON"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(HCLError) as info:
        parse_config(text)
    assert str(info.value) == message


def test_dangling_assignment_at_end_is_dropped() -> None:
    assert shape(parse_config('a = "x"\nb =')) == [(["a"], '"x"')]


def test_quoting() -> None:
    assert hcl_unquote('"a\\tb ${x["k"]} \\u00e9"') == 'a\tb ${x["k"]} é'
    assert hcl_unquote('"bad \\q"') is None
    assert go_quote('a"b\n\x01é') == '"a\\"b\\n\\x01é"'
