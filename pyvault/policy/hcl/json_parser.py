"""JSON policies, read as Go's ``hcl/json/parser`` reads them.

That parser is lenient (a missing closing brace, trailing commas and junk
after a value go unnoticed; booleans inside lists are dropped) and it
*flattens* nested objects into multi-key items, so ``{"path": {"a": {...}}}``
becomes the item ``path "a" {...}``. Vault accepts what it accepts, so we do
the same. JSON nodes carry no positions, which is why Vault's messages about
them say ``At -:``.
"""

from __future__ import annotations

from pyvault.policy.hcl.errors import HCLError
from pyvault.policy.hcl.nodes import (
    NO_POS,
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
from pyvault.policy.hcl.scanner import EOF, CharReader, is_decimal, is_digit, is_letter

__all__ = ["parse_json"]


class _JSONScanner(CharReader):
    def scan(self) -> Token:
        ch = self.read()
        while ch in " \t\n\r" and ch != EOF:
            ch = self.read()
        self.tok_start = self.offset - self.last_char_len
        pos = self.token_pos()
        kind = TokenType.ILLEGAL
        if is_letter(ch):
            lit = self._scan_identifier()
            if lit in ("true", "false"):
                kind = TokenType.BOOL
            elif lit == "null":
                kind = TokenType.NULL
            else:
                self.err("illegal char")
        elif is_decimal(ch):
            kind = self._scan_number(ch)
        elif ch == EOF:
            kind = TokenType.EOF
        elif ch == '"':
            kind = TokenType.STRING
            self._scan_string()
        elif ch == ".":
            kind = TokenType.PERIOD
            if is_decimal(self.peek()):
                kind = TokenType.FLOAT
                self.scan_exponent(self.scan_mantissa(self.peek()))
        elif ch in _SINGLE:
            kind = _SINGLE[ch]
        elif ch == "-":
            if is_decimal(self.peek()):
                kind = self._scan_number(self.read())
            else:
                self.err("illegal char")
        else:
            self.err("illegal char: " + ch)
        text = self.src[self.tok_start : self.offset] if self.tok_start >= 0 else ""
        self.tok_start = self.offset
        return Token(kind, pos, text)

    def _scan_number(self, ch: str) -> TokenType:
        zero = ch == "0"
        start = (self.line, self.column)
        self.scan_mantissa(ch)
        ch = self.read()
        if ch in ("e", "E"):
            self.scan_exponent(ch)
            return TokenType.FLOAT
        if ch == ".":
            ch = self.scan_fraction(ch)
            if ch in ("e", "E"):
                self.scan_exponent(self.read())
            return TokenType.FLOAT
        if ch != EOF:
            self.unread()
        if zero and start != (self.line, self.column):
            self.err("numbers cannot start with 0")
        return TokenType.NUMBER

    def _scan_string(self) -> None:
        braces = 0
        while True:
            ch = self.read()
            if ch in ("\n", EOF):
                self.err("literal not terminated")
                return
            if ch == '"':
                break
            if braces == 0 and ch == "$" and self.peek() == "{":
                braces += 1
                self.read()
            elif braces > 0 and ch == "{":
                braces += 1
            if braces > 0 and ch == "}":
                braces -= 1
            if ch == "\\":
                self._scan_escape()

    def _scan_escape(self) -> None:
        ch = self.read()
        if ch in 'abfnrtv\\"' and ch != EOF:
            return
        if ch in "01234567" and ch != EOF:
            self._scan_digits(ch, 8, 3)
        elif ch == "x":
            self._scan_digits(self.read(), 16, 2)
        elif ch == "u":
            self._scan_digits(self.read(), 16, 4)
        elif ch == "U":
            self._scan_digits(self.read(), 16, 8)
        else:
            self.err("illegal char escape")

    def _scan_digits(self, ch: str, base: int, n: int) -> None:
        digits = "0123456789abcdef"[:base]
        while n > 0 and ch != EOF and ch.lower() in digits:
            ch = self.read()
            n -= 1
        if n > 0:
            self.err("illegal char escape")
        if self.last_char_len:
            self.unread()

    def _scan_identifier(self) -> str:
        offs = self.offset - self.last_char_len
        ch = self.read()
        while is_letter(ch) or is_digit(ch) or ch == "-":
            ch = self.read()
        if ch != EOF:
            self.unread()
        return self.src[offs : self.offset]


_SINGLE = {
    "[": TokenType.LBRACK,
    "]": TokenType.RBRACK,
    "{": TokenType.LBRACE,
    "}": TokenType.RBRACE,
    ",": TokenType.COMMA,
    ":": TokenType.COLON,
}
_VALUE_LITERALS = frozenset(
    {TokenType.NUMBER, TokenType.FLOAT, TokenType.BOOL, TokenType.NULL, TokenType.STRING}
)


class _EOFToken(Exception):
    pass


def _hcl_token(tok: Token) -> Token:
    """Go's ``HCLToken``: JSON tokens lose their position; null becomes ``""``."""
    if tok.type is TokenType.NULL:
        return Token(TokenType.STRING, NO_POS, "")
    return Token(tok.type, NO_POS, tok.text, json=tok.type is TokenType.STRING)


def _go_token(tok: Token) -> str:
    """``%+v`` of a Go token, which has a String method."""
    return f"{tok.pos} {tok.type} {tok.text}"


class _Parser:
    def __init__(self, src: str) -> None:
        self.scan_error: str | None = None
        self.sc = _JSONScanner(src, self._on_scan_error)
        self.tok = Token(TokenType.ILLEGAL, NO_POS, "")
        self.buffered = False

    def _on_scan_error(self, pos: Pos, msg: str) -> None:
        self.scan_error = f"{pos}: {msg}"

    def scan(self) -> Token:
        if self.buffered:
            self.buffered = False
            return self.tok
        self.tok = self.sc.scan()
        return self.tok

    def parse(self) -> ObjectList:
        error: Exception | None = None
        node: ObjectNode | None = None
        try:
            node = self.object()
        except (HCLError, _EOFToken) as exc:
            error = exc
        if self.scan_error is not None:
            raise HCLError(self.scan_error)
        if isinstance(error, _EOFToken):
            raise HCLError("EOF token found")
        if error is not None or node is None:
            raise error or HCLError("EOF token found")
        _flatten(node.list)
        return node.list

    def object(self) -> ObjectNode:
        tok = self.scan()
        if tok.type is TokenType.LBRACE:
            return self.object_type()
        if tok.type is TokenType.EOF:
            raise _EOFToken()
        raise HCLError(f"Expected object, got unknown token: {_go_token(tok)}")

    def object_type(self) -> ObjectNode:
        items, error = self.object_list()
        if error is not None and self.tok.type is not TokenType.RBRACE:
            raise error
        return ObjectNode(items)

    def object_list(self) -> tuple[ObjectList, Exception | None]:
        node = ObjectList()
        while True:
            try:
                item = self.object_item()
            except _EOFToken:
                break
            except HCLError as exc:
                return node, exc
            node.items.append(item)
            if self.scan().type is not TokenType.COMMA:
                break
        return node, None

    def object_item(self) -> ObjectItem:
        keys = self.object_key()
        assign = self.tok.pos
        return ObjectItem(keys, self.object_value(), assign)

    def object_key(self) -> list[Key]:
        keys: list[Key] = []
        while True:
            tok = self.scan()
            if tok.type is TokenType.EOF:
                raise _EOFToken()
            if tok.type is TokenType.STRING:
                keys.append(Key(_hcl_token(tok)))
            elif tok.type is TokenType.COLON:
                if not keys:
                    raise HCLError(f"expected: STRING got: {tok.type}")
                return keys
            elif tok.type is TokenType.ILLEGAL:
                raise HCLError("illegal")
            else:
                raise HCLError(f"expected: STRING got: {tok.type}")

    def object_value(self) -> Node:
        tok = self.scan()
        if tok.type in _VALUE_LITERALS:
            return Literal(_hcl_token(tok))
        if tok.type is TokenType.LBRACE:
            return self.object_type()
        if tok.type is TokenType.LBRACK:
            return self.list_type()
        if tok.type is TokenType.EOF:
            raise _EOFToken()
        raise HCLError(f"Expected object value, got unknown token: {_go_token(tok)}")

    def list_type(self) -> ListNode:
        result = ListNode([])
        while True:
            tok = self.scan()
            kind = tok.type
            if kind in (TokenType.NUMBER, TokenType.FLOAT, TokenType.STRING):
                result.items.append(Literal(_hcl_token(tok)))
            elif kind is TokenType.LBRACE:
                result.items.append(self.object_type())
            elif kind in (TokenType.COMMA, TokenType.BOOL, TokenType.LBRACK):
                continue  # Go skips booleans and nested list openers here
            elif kind is TokenType.RBRACK:
                return result
            else:
                raise HCLError(f"unexpected token while parsing list: {kind}")


def _flatten(root: ObjectList) -> None:
    """Go's ``flattenObjects``: fold ``{"a": {"b": {...}}}`` into keys ``a b``."""
    stack: list[ObjectList] = [root]
    while stack:
        olist = stack.pop()
        items: list[ObjectItem] = []
        frontier = list(olist.items)
        while frontier:
            item = frontier.pop()
            val = item.val
            if (
                isinstance(val, ObjectNode)
                and val.list.items
                and all(isinstance(sub.val, ObjectNode) for sub in val.list.items)
            ):
                frontier.extend(
                    ObjectItem([*item.keys, *sub.keys], sub.val, item.assign)
                    for sub in val.list.items
                )
            elif (
                isinstance(val, ListNode)
                and val.items
                and all(isinstance(elem, ObjectNode) for elem in val.items)
            ):
                frontier.extend(ObjectItem(item.keys, elem, item.assign) for elem in val.items)
            else:
                items.append(item)
        items.reverse()
        olist.items = items
        stack.extend(_child_lists(items))


def _child_lists(items: list[ObjectItem]) -> list[ObjectList]:
    found: list[ObjectList] = []
    pending: list[Node] = [item.val for item in items]
    while pending:
        node = pending.pop()
        if isinstance(node, ObjectNode):
            found.append(node.list)
        elif isinstance(node, ListNode):
            pending.extend(node.items)
    return found


def parse_json(src: str) -> ObjectList:
    """Parse a JSON policy into the same tree the HCL parser builds."""
    return _Parser(src).parse()
