"""Go's base64.StdEncoding decoder, with Go's error offsets (Vault reports them).

Valid input takes the C fast path (binascii, strict mode); only input that fails
there is re-read byte by byte, to report the offset Go would.
"""

from __future__ import annotations

import binascii


class Base64Error(ValueError):
    """Go's base64.CorruptInputError: the offset of the first bad input byte."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DECODE = {byte: index for index, byte in enumerate(_ALPHABET)}
_NEWLINES = (0x0A, 0x0D)
_PAD = 0x3D


def go_b64decode(text: str) -> bytes:
    """base64.StdEncoding.DecodeString: padding required, CR/LF skipped, and the same
    error offsets as Go (Python's decoder is laxer and reports no position)."""
    if "\n" not in text and "\r" not in text:
        try:
            return binascii.a2b_base64(text.encode(), strict_mode=True)
        except (binascii.Error, ValueError):
            pass  # the slow path finds Go's offset (or accepts what strict mode refused)
    return _slow_decode(text)


def _slow_decode(text: str) -> bytes:
    src = text.encode()
    out = bytearray()
    si = 0
    while True:
        quantum = [0, 0, 0, 0]
        size = 4
        j = 0
        done = False
        while j < 4:
            if si == len(src):
                if j == 0:
                    return bytes(out)
                raise Base64Error(si - j)
            byte = src[si]
            si += 1
            if byte in _DECODE:
                quantum[j] = _DECODE[byte]
                j += 1
                continue
            if byte in _NEWLINES:
                continue
            if byte != _PAD or j < 2:
                raise Base64Error(si - 1)
            if j == 2:  # "==" expected: the first "=" is consumed
                si = _skip_newlines(src, si)
                if si == len(src):
                    raise Base64Error(len(src))
                if src[si] != _PAD:
                    raise Base64Error(si - 1)
                si += 1
            si = _skip_newlines(src, si)
            if si < len(src):
                raise Base64Error(si)  # trailing garbage
            size, done = j, True
            break
        value = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out += value.to_bytes(3, "big")[: size - 1]
        if done:
            return bytes(out)


def _skip_newlines(src: bytes, index: int) -> int:
    while index < len(src) and src[index] in _NEWLINES:
        index += 1
    return index
