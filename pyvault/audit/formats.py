"""Serialising an entry: ``json`` (one line) or ``jsonx`` (IBM's JSONx XML, as
Vault's ``jsonx`` format), with an optional per-device ``prefix``."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

FORMATS = ("json", "jsonx")
_JSONX_NS = 'xmlns:json="http://www.ibm.com/xmlns/prod/2009/jsonx"'


def _jsonx(value: Any, name: str | None, root: bool = False) -> str:
    attrs = (f" name={quoteattr(name)}" if name is not None else "") + (
        f" {_JSONX_NS}" if root else ""
    )
    if isinstance(value, dict):
        inner = "".join(_jsonx(v, str(k)) for k, v in value.items())
        return f"<json:object{attrs}>{inner}</json:object>"
    if isinstance(value, list):
        inner = "".join(_jsonx(v, None) for v in value)
        return f"<json:array{attrs}>{inner}</json:array>"
    if isinstance(value, bool):
        return f"<json:boolean{attrs}>{'true' if value else 'false'}</json:boolean>"
    if value is None:
        return f"<json:null{attrs}/>"
    if isinstance(value, (int, float)):
        return f"<json:number{attrs}>{json.dumps(value)}</json:number>"
    return f"<json:string{attrs}>{escape(str(value))}</json:string>"


def encode(entry: dict[str, Any], fmt: str, prefix: str) -> bytes:
    if fmt == "jsonx":
        body = '<?xml version="1.0" encoding="UTF-8"?>' + _jsonx(entry, None, root=True)
        return (prefix + body + "\n").encode("utf-8")
    try:
        data = orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # e.g. an integer beyond 64 bits: the slower, general encoder
        data = (json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
    return prefix.encode("utf-8") + data if prefix else data
