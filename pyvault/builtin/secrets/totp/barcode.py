"""The QR code of a key's URL as a square PNG (Vault's ``otp.Key.Image``).

segno does the QR encoding (error correction M, as Vault's library); scaling and
the PNG itself are a few lines of stdlib, so the image has exactly the pixel size
asked for: the code is scaled by a whole factor and centred on white, as Go's
``barcode.Scale`` does.
"""

from __future__ import annotations

import struct
import zlib

import segno

from pyvault.logical.errors import InvalidRequest

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BLACK, _WHITE = 0, 255


def qr_png(text: str, size: int) -> bytes:
    matrix = [list(row) for row in segno.make(text, error="m", micro=False,
                                              boost_error=False).matrix]
    modules = len(matrix)
    if size < modules:
        raise InvalidRequest(
            "failed to generate QR code image: can not scale barcode to an image smaller "
            f"than {modules}x{modules}")
    factor = size // modules
    offset = (size - modules * factor) // 2
    blank = bytes([_WHITE]) * size
    rows: list[bytes] = []
    for y in range(size):
        my = (y - offset) // factor if y >= offset else -1
        if not 0 <= my < modules:
            rows.append(b"\x00" + blank)
            continue
        line = bytearray(blank)
        for mx, dark in enumerate(matrix[my]):
            if dark:
                start = offset + mx * factor
                line[start:start + factor] = bytes([_BLACK]) * factor
        rows.append(b"\x00" + bytes(line))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
