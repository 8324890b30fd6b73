"""String quoting and unquoting as Go's ``strconv`` and HCL's own ``strconv`` do them."""

from __future__ import annotations

__all__ = ["go_quote", "go_unquote", "hcl_unquote", "unindent_heredoc"]

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}


def _unquote_char(s: str, i: int) -> tuple[str, int] | None:
    """Decode one character of a double-quoted body at ``s[i]``; None on bad syntax."""
    c = s[i]
    if c == '"':
        return None
    if c != "\\":
        return c, i + 1
    if i + 1 >= len(s):
        return None
    c = s[i + 1]
    i += 2
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i
    if c == '"':
        return c, i
    if c in _HEX_LENGTHS:
        n = _HEX_LENGTHS[c]
        digits = s[i : i + n]
        if len(digits) < n or any(d not in "0123456789abcdefABCDEF" for d in digits):
            return None
        value = int(digits, 16)
        if value > 0x10FFFF or (c != "x" and 0xD800 <= value <= 0xDFFF):
            return None
        return chr(value), i + n
    if c in "01234567":
        digits = c + s[i : i + 2]
        if len(digits) < 3 or any(d not in "01234567" for d in digits):
            return None
        value = int(digits, 8)
        if value > 255:
            return None
        return chr(value), i + 2
    return None


def go_unquote(text: str) -> str | None:
    """Go's ``strconv.Unquote`` for a double-quoted literal (used for JSON strings)."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    body = text[1:-1]
    if "\n" in body:
        return None
    if "\\" not in body and '"' not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        decoded = _unquote_char(body, i)
        if decoded is None:
            return None
        out.append(decoded[0])
        i = decoded[1]
    return "".join(out)


def hcl_unquote(text: str) -> str | None:
    """HCL's ``strconv.Unquote``: like Go's, but ``${...}`` is copied verbatim."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    body = text[1:-1]
    if "$" not in body and "{" not in body and "\n" in body:
        return None
    if "\\" not in body and '"' not in body and "$" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("${", i):
            start = i
            i += 2
            braces = 1
            while i < len(body) and braces > 0:
                if body[i] == "{":
                    braces += 1
                elif body[i] == "}":
                    braces -= 1
                i += 1
            if braces != 0:
                return None
            out.append(body[start:i])
            continue
        if body[i] == "\n":
            return None
        decoded = _unquote_char(body, i)
        if decoded is None:
            return None
        out.append(decoded[0])
        i = decoded[1]
    return "".join(out)


def unindent_heredoc(text: str) -> str:
    """The value of a ``<<EOF`` / ``<<-EOF`` heredoc token (Go's ``unindentHeredoc``)."""
    idx = text.index("\n")
    if text[2] != "-":
        return text[idx + 1 : len(text) - idx + 1]
    lines = text[idx + 1 : len(text) - idx + 2].split("\n")
    prefix = lines[-1]
    if not all(line.startswith(prefix) for line in lines):
        return text[idx + 1 : len(text) - idx + 1].rstrip(" \t")
    body = [line[len(prefix) :] for line in lines[:-1]]
    return "\n".join([*body, ""])


_QUOTE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(value: str) -> str:
    """Go's ``%q`` / ``strconv.Quote``: printable characters stay, others are escaped."""
    out = ['"']
    for ch in value:
        if ch in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
