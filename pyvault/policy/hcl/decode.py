"""Decoding HCL nodes into values the way Go's ``hcl.DecodeObject`` does.

Only the target kinds a policy needs are covered: string, int, ``[]string``,
``interface{}``, ``[]interface{}`` and ``map[string][]interface{}``. Go's
decoder appends to slices and merges maps when a key repeats, and keeps the
last string; the messages match its wording (field names like
``root.Capabilities[0]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyvault.policy.goparse import GoParseError, parse_int
from pyvault.policy.hcl.errors import HCLError, PosError
from pyvault.policy.hcl.nodes import (
    ListNode,
    Literal,
    Node,
    ObjectItem,
    ObjectList,
    ObjectNode,
    TokenType,
)
from pyvault.policy.hcl.quote import go_quote

__all__ = [
    "check_keys",
    "decode_any",
    "decode_int",
    "decode_param_map",
    "decode_string",
    "decode_string_list",
    "field_nodes",
    "multierror",
]


def multierror(errors: Sequence[str]) -> str:
    """go-multierror's default text for a list of errors."""
    if len(errors) == 1:
        return f"1 error occurred:\n\t* {errors[0]}\n\n"
    points = "\n\t".join(f"* {err}" for err in errors)
    return f"{len(errors)} errors occurred:\n\t{points}\n\n"


def object_list_of(node: Node) -> ObjectList | None:
    if isinstance(node, ObjectList):
        return node
    if isinstance(node, ObjectNode):
        return node.list
    return None


def check_keys(node: Node, valid: Sequence[str]) -> list[str]:
    """Vault's ``hclutil.CheckHCLKeys``: one message per unknown key, in order."""
    olist = object_list_of(node)
    if olist is None:
        raise HCLError(f"cannot check HCL keys of type {node.go_name}")
    return [
        f"invalid key {go_quote(item.keys[0].name)} on line {item.assign.line}"
        for item in olist.items
        if item.keys and item.keys[0].name not in valid
    ]


def field_nodes(olist: ObjectList, field: str) -> list[Node]:
    """What ``decodeStruct`` decodes for one field, in order: prefix matches, then values."""
    matches = olist.filter(field)
    nodes: list[Node] = []
    children = matches.children()
    if children.items:
        nodes.append(children)
    for item in matches.elems().items:
        val = item.val
        nodes.append(ObjectList(list(val.list.items)) if isinstance(val, ObjectNode) else val)
    return nodes


def decode_string(name: str, node: Node) -> str:
    if isinstance(node, Literal):
        if node.token.type is TokenType.NUMBER:
            return node.token.text
        if node.token.type in (TokenType.STRING, TokenType.HEREDOC):
            return _literal_str(node)
    raise PosError(node.pos, f"{name}: unknown type for string {node.go_name}")


def _literal_str(node: Literal) -> str:
    return node.token.string_value()


def decode_int(name: str, node: Node) -> int:
    if isinstance(node, Literal) and node.token.type in (TokenType.NUMBER, TokenType.STRING):
        text = node.token.text if node.token.type is TokenType.NUMBER else _literal_str(node)
        try:
            return parse_int(text)
        except GoParseError as exc:
            raise HCLError(str(exc)) from exc
    raise PosError(node.pos, f"{name}: unknown type {node.go_name}")


def _slice_items(node: Node) -> Sequence[Node]:
    if isinstance(node, ObjectList):
        return node.items
    if isinstance(node, ObjectNode):
        return [node]
    if isinstance(node, ListNode):
        return node.items
    raise PosError(node.pos, f"unknown slice type: {node.go_name}")


def decode_slice(
    name: str, node: Node, into: list[object], elem: Callable[[str, Node], object]
) -> None:
    for i, item in enumerate(_slice_items(node)):
        into.append(elem(f"{name}[{i}]", item))


def decode_string_list(name: str, node: Node, into: list[str]) -> None:
    for i, item in enumerate(_slice_items(node)):
        into.append(decode_string(f"{name}[{i}]", item))


def decode_any(name: str, node: Node, *, in_slice: bool = False) -> object:
    """Decode into ``interface{}``: objects become maps only directly inside a slice."""
    target = node.list if isinstance(node, ObjectNode) else node
    if isinstance(target, ObjectList):
        if in_slice:
            result: dict[str, object] = {}
            decode_map(name, node, result, _any_in_map)
            return result
        maps: list[object] = []
        decode_slice(name, node, maps, _map_in_slice)
        return maps
    if isinstance(target, ListNode):
        values: list[object] = []
        decode_slice(name, node, values, _any_in_slice)
        return values
    if isinstance(target, Literal):
        kind = target.token.type
        if kind is TokenType.BOOL:
            return target.token.text == "true"
        if kind is TokenType.FLOAT:
            return float(target.token.text)
        if kind is TokenType.NUMBER:
            return decode_int(name, target)
        if kind in (TokenType.STRING, TokenType.HEREDOC):
            return _literal_str(target)
        raise PosError(node.pos, f"{name}: cannot decode into interface: {node.go_name}")
    raise HCLError(f"{name}: cannot decode into interface: {node.go_name}")


def _any_in_slice(name: str, node: Node) -> object:
    return decode_any(name, node, in_slice=True)


def _any_in_map(name: str, node: Node, current: object | None) -> object:
    return decode_any(name, node)


def _map_in_slice(name: str, node: Node) -> object:
    result: dict[str, object] = {}
    decode_map(name, node, result, _any_in_map)
    return result


def decode_map(
    name: str,
    node: Node,
    into: dict[str, object],
    elem: Callable[[str, Node, object | None], object],
) -> None:
    """Go's ``decodeMap``: repeated keys decode again into the value already there."""
    if isinstance(node, ObjectItem):
        node = ObjectList([node])
    olist = object_list_of(node)
    if olist is None:
        raise PosError(node.pos, f"{name}: not an object type for map ({node.go_name})")
    done: set[str] = set()
    for item in olist.items:
        if not item.keys:
            raise PosError(olist.pos, f"{name}: map must have string keys")
        key = item.keys[0].name
        if key in done:
            continue
        value: Node = item.val
        if len(item.keys) > 1:
            value = olist.filter(key)
            done.add(key)
        into[key] = elem(f"{name}.{key}", value, into.get(key))


def _param_values(name: str, node: Node, current: object | None) -> object:
    values: list[object] = list(current) if isinstance(current, list) else []
    decode_slice(name, node, values, _any_in_slice)
    return values


def decode_param_map(name: str, node: Node, into: dict[str, list[object]]) -> None:
    """Decode into ``map[string][]interface{}`` (allowed/denied parameters)."""
    raw: dict[str, object] = dict(into)
    decode_map(name, node, raw, _param_values)
    for key, value in raw.items():
        if isinstance(value, list):
            into[key] = value
