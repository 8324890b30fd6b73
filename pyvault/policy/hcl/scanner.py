"""The HCL 1 lexer, a line-for-line port of Go's ``hcl/hcl/scanner``.

Positions (line, column) and error texts match Go's so that policy errors read
exactly as Vault's. Errors are reported through a callback and scanning goes
on, as in Go; the parser reports the last one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyvault.policy.hcl.nodes import Pos, Token, TokenType

__all__ = ["EOF", "ErrorHandler", "Scanner"]

EOF = "\x00"

ErrorHandler = Callable[[Pos, str], None]


def is_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or (ch >= "\x80" and ch.isalpha())


def is_digit(ch: str) -> bool:
    return ("0" <= ch <= "9") or (ch >= "\x80" and ch.isdigit())


def is_decimal(ch: str) -> bool:
    return "0" <= ch <= "9"


def is_hexadecimal(ch: str) -> bool:
    return ("0" <= ch <= "9") or ("a" <= ch <= "f") or ("A" <= ch <= "F")


def is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r"


def digit_val(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "a" <= ch <= "f":
        return ord(ch) - ord("a") + 10
    if "A" <= ch <= "F":
        return ord(ch) - ord("A") + 10
    return 16


class CharReader:
    """Character reading with Go's position bookkeeping (shared by both lexers)."""

    def __init__(self, src: str, on_error: ErrorHandler) -> None:
        self.src = src
        self.i = 0  # index of the next character
        self.line = 1
        self.column = 0
        self.offset = 0
        self.prev: tuple[int, int, int, int] = (0, 1, 0, 0)
        self.last_char_len = 0
        self.last_line_len = 0
        self.tok_start = 0
        self.on_error = on_error

    def read(self) -> str:
        """Go's ``next``: advance one character, or return EOF (column still moves)."""
        if self.i >= len(self.src):
            self.column += 1
            self.last_char_len = 0
            return EOF
        ch = self.src[self.i]
        self.prev = (self.i, self.line, self.column, self.offset)
        self.i += 1
        self.column += 1
        self.last_char_len = 1
        self.offset += 1
        if ch == "\n":
            self.line += 1
            self.last_line_len = self.column
            self.column = 0
        return ch

    def unread(self) -> None:
        self.i, self.line, self.column, self.offset = self.prev

    def peek(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else EOF

    def token_pos(self) -> Pos:
        """Position of the character just read (Go's ``tokPos`` computation)."""
        if self.column > 0:
            return Pos(self.line, self.column)
        return Pos(self.line - 1, self.last_line_len)

    def recent_pos(self) -> Pos:
        if self.column > 0:
            return Pos(self.line, self.column)
        if self.last_line_len > 0:
            return Pos(self.line - 1, self.last_line_len)
        return Pos(1, 1)

    def err(self, msg: str) -> None:
        self.on_error(self.recent_pos(), msg)

    def scan_mantissa(self, ch: str) -> str:
        scanned = False
        while is_decimal(ch):
            ch = self.read()
            scanned = True
        if scanned and ch != EOF:
            self.unread()
        return ch

    def scan_fraction(self, ch: str) -> str:
        if ch == ".":
            ch = self.peek()
            ch = self.scan_mantissa(ch)
        return ch

    def scan_exponent(self, ch: str) -> str:
        if ch in "eE" and ch != EOF:
            ch = self.read()
            if ch in "-+" and ch != EOF:
                ch = self.read()
            ch = self.scan_mantissa(ch)
        return ch


class Scanner(CharReader):
    """Yields HCL tokens, one per ``scan()``."""

    def read(self) -> str:
        ch = super().read()
        if ch == EOF and self.last_char_len == 1:
            self.err("unexpected null character (0x00)")
            return EOF
        if ch == "\ue123":
            self.err("unicode code point U+E123 reserved for internal use")
            return "\ufffd"
        return ch

    def scan(self) -> Token:
        ch = self.read()
        while is_whitespace(ch):
            ch = self.read()
        self.tok_start = self.offset - self.last_char_len
        pos = self.token_pos()
        kind = TokenType.ILLEGAL
        if is_letter(ch):
            kind = TokenType.IDENT
            lit = self._scan_identifier()
            if lit in ("true", "false"):
                kind = TokenType.BOOL
        elif is_decimal(ch):
            kind = self._scan_number(ch)
        elif ch == EOF:
            kind = TokenType.EOF
        elif ch == '"':
            kind = TokenType.STRING
            self._scan_string()
        elif ch in "#/":
            kind = TokenType.COMMENT
            self._scan_comment(ch)
        elif ch == ".":
            kind = TokenType.PERIOD
            if is_decimal(self.peek()):
                kind = TokenType.FLOAT
                ch = self.scan_mantissa(self.peek())
                ch = self.scan_exponent(ch)
        elif ch == "<":
            kind = TokenType.HEREDOC
            self._scan_heredoc()
        elif ch in _SINGLE:
            kind = _SINGLE[ch]
        elif ch == "-":
            kind = self._scan_number(self.read()) if is_decimal(self.peek()) else TokenType.SUB
        else:
            self.err("illegal char")
        text = self.src[self.tok_start : self.offset] if self.tok_start >= 0 else ""
        self.tok_start = self.offset
        return Token(kind, pos, text)

    def _scan_comment(self, ch: str) -> None:
        if ch == "#" or (ch == "/" and self.peek() != "*"):
            if ch == "/" and self.peek() != "/":
                self.err("expected '/' for comment")
                return
            ch = self.read()
            while ch != "\n" and ch != EOF:
                ch = self.read()
            if ch != EOF:
                self.unread()
            return
        if ch == "/":
            self.read()
            ch = self.read()
        while True:
            if ch == EOF:
                self.err("comment not terminated")
                break
            ch0 = ch
            ch = self.read()
            if ch0 == "*" and ch == "/":
                break

    def _scan_number(self, ch: str) -> TokenType:
        if ch == "0":
            ch = self.read()
            if ch in ("x", "X"):
                ch = self.read()
                found = False
                while is_hexadecimal(ch):
                    ch = self.read()
                    found = True
                if not found:
                    self.err("illegal hexadecimal number")
                if ch != EOF:
                    self.unread()
                return TokenType.NUMBER
            illegal_octal = False
            while is_decimal(ch):
                ch = self.read()
                if ch in ("8", "9"):
                    illegal_octal = True
            if ch in ("e", "E"):
                self.scan_exponent(ch)
                return TokenType.FLOAT
            if ch == ".":
                ch = self.scan_fraction(ch)
                if ch in ("e", "E"):
                    ch = self.read()
                    self.scan_exponent(ch)
                return TokenType.FLOAT
            if illegal_octal:
                self.err("illegal octal number")
            if ch != EOF:
                self.unread()
            return TokenType.NUMBER
        self.scan_mantissa(ch)
        ch = self.read()
        if ch in ("e", "E"):
            self.scan_exponent(ch)
            return TokenType.FLOAT
        if ch == ".":
            ch = self.scan_fraction(ch)
            if ch in ("e", "E"):
                ch = self.read()
                self.scan_exponent(ch)
            return TokenType.FLOAT
        if ch != EOF:
            self.unread()
        return TokenType.NUMBER

    def _scan_heredoc(self) -> None:
        if self.read() != "<":
            self.err("heredoc expected second '<', didn't see it")
            return
        offs = self.offset
        ch = self.read()
        if ch == "-":
            ch = self.read()
        while is_letter(ch) or is_digit(ch):
            ch = self.read()
        if ch == EOF:
            self.err("heredoc not terminated")
            return
        if ch == "\r" and self.peek() == "\n":
            ch = self.read()
        if ch != "\n":
            self.err("invalid characters in heredoc anchor")
            return
        ident = self.src[offs : self.offset - self.last_char_len]
        if ident in ("", "-"):
            self.err("zero-length heredoc anchor")
            return
        anchor = ident[1:] if ident.startswith("-") else ident
        terminator = re.compile(r"[ \t\n\v\f\r]*" + re.escape(anchor) + r"\r*")
        line_start = self.offset
        while True:
            ch = self.read()
            if ch == "\n":
                line = self.src[line_start : self.offset - self.last_char_len]
                if len(line) >= len(ident) and terminator.fullmatch(line):
                    break
                line_start = self.offset
            if ch == EOF:
                self.err("heredoc not terminated")
                return

    def _scan_string(self) -> None:
        braces = 0
        while True:
            ch = self.read()
            if (ch == "\n" and braces == 0) or ch == EOF:
                self.err("literal not terminated")
                return
            if ch == '"' and braces == 0:
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
        start = n
        while n > 0 and digit_val(ch) < base:
            ch = self.read()
            if ch == EOF:
                break
            n -= 1
        if n > 0:
            self.err("illegal char escape")
        if n != start and ch != EOF:
            self.unread()

    def _scan_identifier(self) -> str:
        offs = self.offset - self.last_char_len
        ch = self.read()
        while is_letter(ch) or is_digit(ch) or (ch in "-." and ch != EOF):
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
    "=": TokenType.ASSIGN,
    "+": TokenType.ADD,
}
