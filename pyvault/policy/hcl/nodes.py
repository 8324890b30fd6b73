"""The syntax tree of HCL 1, shaped like Go's ``github.com/hashicorp/hcl/hcl/ast``.

Vault decodes policies from this tree, not from a dict: repeated blocks stay
separate items, keys keep their line numbers for error messages, and JSON
input is flattened into the same shape. Error texts name the Go node types
(``*ast.LiteralType`` …), so each node knows its Go name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pyvault.policy.hcl.quote import go_unquote, hcl_unquote, unindent_heredoc

__all__ = [
    "NO_POS",
    "Key",
    "ListNode",
    "Literal",
    "LiteralError",
    "Node",
    "ObjectItem",
    "ObjectList",
    "ObjectNode",
    "Pos",
    "Token",
    "TokenType",
]


@dataclass(frozen=True, slots=True)
class Pos:
    """A source position; line 0 means "unknown" and prints as ``-``."""

    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.line}:{self.column}" if self.line > 0 else "-"


NO_POS = Pos()


class TokenType(enum.Enum):
    ILLEGAL = "ILLEGAL"
    EOF = "EOF"
    COMMENT = "COMMENT"
    IDENT = "IDENT"
    NUMBER = "NUMBER"
    FLOAT = "FLOAT"
    BOOL = "BOOL"
    STRING = "STRING"
    HEREDOC = "HEREDOC"
    NULL = "NULL"  # JSON only
    LBRACK = "LBRACK"
    LBRACE = "LBRACE"
    COMMA = "COMMA"
    PERIOD = "PERIOD"
    COLON = "COLON"  # JSON only
    RBRACK = "RBRACK"
    RBRACE = "RBRACE"
    ASSIGN = "ASSIGN"
    ADD = "ADD"
    SUB = "SUB"

    def __str__(self) -> str:
        return self.value


class LiteralError(Exception):
    """A literal whose text cannot be turned into a value (Go panics here)."""


@dataclass(frozen=True, slots=True)
class Token:
    type: TokenType
    pos: Pos
    text: str
    json: bool = False

    def string_value(self) -> str:
        """The text of a key or string-like literal, as Go's ``Token.Value`` gives it.

        Numbers, floats and booleans are decoded by the decoder from ``text``.
        """
        kind = self.type
        if kind is TokenType.HEREDOC:
            return unindent_heredoc(self.text)
        if kind is TokenType.STRING:
            if self.text == "":  # JSON null
                return ""
            unquoted = go_unquote(self.text) if self.json else hcl_unquote(self.text)
            if unquoted is None:  # Go panics here; the scanner lets few such strings through
                raise LiteralError(f"unquote {self.text} err: invalid syntax")
            return unquoted
        return self.text


class Literal:
    """``*ast.LiteralType``: a number, float, bool, string or heredoc."""

    __slots__ = ("token",)
    go_name = "*ast.LiteralType"

    def __init__(self, token: Token) -> None:
        self.token = token

    @property
    def pos(self) -> Pos:
        return self.token.pos


class ListNode:
    """``*ast.ListType``."""

    __slots__ = ("items", "lbrack")
    go_name = "*ast.ListType"

    def __init__(self, items: list[Node], lbrack: Pos = NO_POS) -> None:
        self.items = items
        self.lbrack = lbrack

    @property
    def pos(self) -> Pos:
        return self.lbrack


class Key:
    """``*ast.ObjectKey``."""

    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token

    @property
    def pos(self) -> Pos:
        return self.token.pos

    @property
    def name(self) -> str:
        return self.token.string_value()


class ObjectItem:
    """``*ast.ObjectItem``: ``keys = val`` or ``keys { ... }``."""

    __slots__ = ("assign", "keys", "val")
    go_name = "*ast.ObjectItem"

    def __init__(self, keys: list[Key], val: Node, assign: Pos = NO_POS) -> None:
        self.keys = keys
        self.val = val
        self.assign = assign

    @property
    def pos(self) -> Pos:
        return self.keys[0].pos if self.keys else NO_POS


class ObjectList:
    """``*ast.ObjectList``: the items of a file or of an object, in order."""

    __slots__ = ("items",)
    go_name = "*ast.ObjectList"

    def __init__(self, items: list[ObjectItem] | None = None) -> None:
        self.items: list[ObjectItem] = [] if items is None else items

    @property
    def pos(self) -> Pos:
        return self.items[0].pos if self.items else NO_POS

    def filter(self, key: str) -> ObjectList:
        """Items whose first key equals ``key`` (Go's EqualFold), that key stripped."""
        out: list[ObjectItem] = []
        for item in self.items:
            if not item.keys:
                continue
            name = item.keys[0].name
            if name != key and not _equal_fold(name, key):
                continue
            out.append(ObjectItem(item.keys[1:], item.val, item.assign))
        return ObjectList(out)

    def children(self) -> ObjectList:
        return ObjectList([item for item in self.items if item.keys])

    def elems(self) -> ObjectList:
        return ObjectList([item for item in self.items if not item.keys])


def _equal_fold(a: str, b: str) -> bool:
    return a.lower() == b.lower() or a.upper() == b.upper()


class ObjectNode:
    """``*ast.ObjectType``: ``{ ... }``."""

    __slots__ = ("lbrace", "list")
    go_name = "*ast.ObjectType"

    def __init__(self, items: ObjectList, lbrace: Pos = NO_POS) -> None:
        self.list = items
        self.lbrace = lbrace

    @property
    def pos(self) -> Pos:
        return self.lbrace


Node = Literal | ListNode | ObjectNode | ObjectList | ObjectItem
