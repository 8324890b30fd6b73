"""The HCL 1 parser, a port of Go's ``hcl/hcl/parser`` (the one Vault calls).

Kept deliberately close to the Go code, quirks included: a dangling ``key =``
at the end of a file is dropped, commas between items are optional, and the
last lexer error wins over any parse error.
"""

from __future__ import annotations

from dataclasses import replace

from pyvault.policy.hcl.errors import HCLError, PosError
from pyvault.policy.hcl.nodes import (
    Key,
    ListNode,
    Literal,
    Node,
    ObjectItem,
    ObjectList,
    ObjectNode,
    Pos,
    Token,
    TokenType,
)
from pyvault.policy.hcl.scanner import Scanner

__all__ = ["parse_hcl"]

_LITERALS = frozenset(
    {TokenType.NUMBER, TokenType.FLOAT, TokenType.BOOL, TokenType.STRING, TokenType.HEREDOC}
)


class _EOFToken(Exception):
    """Go's ``errEofToken``: input ended where an item could start."""


def _go_token(tok: Token) -> str:
    """``%+v`` of a Go token, which has a String method."""
    return f"{tok.pos} {tok.type} {tok.text}"


class _Parser:
    def __init__(self, src: str) -> None:
        self.scan_error: PosError | None = None
        self.sc = Scanner(src, self._on_scan_error)
        self.tok = Token(TokenType.ILLEGAL, Pos(), "")
        self.buffered = False

    def _on_scan_error(self, pos: Pos, msg: str) -> None:
        self.scan_error = PosError(pos, msg)

    def scan(self) -> Token:
        if self.buffered:
            self.buffered = False
            return self.tok
        tok = self.sc.scan()
        while tok.type is TokenType.COMMENT:
            tok = self.sc.scan()
        self.tok = tok
        return tok

    def unscan(self) -> None:
        self.buffered = True

    def parse(self) -> ObjectList:
        error: HCLError | None = None
        result = ObjectList()
        try:
            result = self.object_list(in_object=False)
        except HCLError as exc:
            error = exc
        if self.scan_error is not None:
            raise self.scan_error
        if error is not None:
            raise error
        return result

    def object_list(self, *, in_object: bool) -> ObjectList:
        node = ObjectList()
        while True:
            if in_object:
                tok = self.scan()
                self.unscan()
                if tok.type is TokenType.RBRACE:
                    break
            try:
                item = self.object_item()
            except _EOFToken:
                break
            node.items.append(item)
            if self.scan().type is not TokenType.COMMA:
                self.unscan()
        return node

    def object_item(self) -> ObjectItem:
        keys, error = self.object_key()
        if keys and isinstance(error, _EOFToken):
            error = None
        if keys and error is not None and self.tok.type is TokenType.RBRACE:
            # Keys with no value inside an object: fall through to the error below.
            error = None
            self.tok = replace(self.tok, type=TokenType.EOF)
        if error is not None:
            raise error
        if self.tok.type is TokenType.ASSIGN:
            assign = self.tok.pos
            val = self.object()
            item = ObjectItem(keys, val, assign)
        elif self.tok.type is TokenType.LBRACE:
            item = ObjectItem(keys, self.object_type())
        else:
            names = " ".join(key.token.text for key in keys)
            raise PosError(
                self.tok.pos,
                f"key '{names}' expected start of object ('{{') or assignment ('=')",
            )
        self.scan()  # Go looks ahead here for a line comment.
        self.unscan()
        return item

    def object_key(self) -> tuple[list[Key], Exception | None]:
        keys: list[Key] = []
        while True:
            tok = self.scan()
            kind = tok.type
            if kind is TokenType.EOF:
                return keys, _EOFToken()
            if kind is TokenType.ASSIGN:
                if len(keys) > 1:
                    return [], PosError(tok.pos, f"nested object expected: LBRACE got: {kind}")
                if not keys:
                    return [], PosError(tok.pos, "no object keys found!")
                return keys, None
            if kind is TokenType.LBRACE:
                if not keys:
                    return keys, PosError(tok.pos, f"expected: IDENT | STRING got: {kind}")
                return keys, None
            if kind in (TokenType.IDENT, TokenType.STRING):
                keys.append(Key(tok))
                continue
            if kind is TokenType.ILLEGAL:
                return keys, PosError(tok.pos, "illegal character")
            return keys, PosError(
                tok.pos, f"expected: IDENT | STRING | ASSIGN | LBRACE got: {kind}"
            )

    def object(self) -> Node:
        tok = self.scan()
        if tok.type in _LITERALS:
            return Literal(tok)
        if tok.type is TokenType.LBRACE:
            return self.object_type()
        if tok.type is TokenType.LBRACK:
            return self.list_type()
        if tok.type is TokenType.EOF:
            raise _EOFToken()
        raise PosError(tok.pos, f"Unknown token: {_go_token(tok)}")

    def object_type(self) -> ObjectNode:
        lbrace = self.tok.pos
        items = self.object_list(in_object=True)
        tok = self.scan()
        if tok.type is not TokenType.RBRACE:
            raise PosError(tok.pos, f"object expected closing RBRACE got: {tok.type}")
        return ObjectNode(items, lbrace)

    def list_type(self) -> ListNode:
        result = ListNode([], self.tok.pos)
        need_comma = False
        while True:
            tok = self.scan()
            kind = tok.type
            if need_comma and kind not in (TokenType.COMMA, TokenType.RBRACK):
                raise PosError(
                    tok.pos, f"error parsing list, expected comma or list end, got: {kind}"
                )
            if kind in _LITERALS:
                result.items.append(Literal(tok))
                need_comma = True
            elif kind is TokenType.COMMA:
                self.scan()
                self.unscan()
                need_comma = False
            elif kind is TokenType.LBRACE:
                try:
                    result.items.append(self.object_type())
                except (HCLError, _EOFToken) as exc:
                    raise PosError(
                        tok.pos, f"error while trying to parse object within list: {_text(exc)}"
                    ) from exc
                need_comma = True
            elif kind is TokenType.LBRACK:
                try:
                    result.items.append(self.list_type())
                except (HCLError, _EOFToken) as exc:
                    raise PosError(
                        tok.pos, f"error while trying to parse list within list: {_text(exc)}"
                    ) from exc
            elif kind is TokenType.RBRACK:
                return result
            else:
                raise PosError(tok.pos, f"unexpected token while parsing list: {kind}")


def _text(exc: Exception) -> str:
    return "EOF token found" if isinstance(exc, _EOFToken) else str(exc)


def parse_hcl(src: str) -> ObjectList:
    """Parse HCL 1 text into its top-level object list; raise HCLError."""
    return _Parser(src.replace("\r\n", "\n")).parse()
