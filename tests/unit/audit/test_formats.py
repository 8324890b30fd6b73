"""Entry serialisation: one JSON line, JSONx, prefix."""

from __future__ import annotations

import json

from pyvault.audit.formats import encode


def test_json_is_one_line_with_prefix() -> None:
    line = encode({"type": "request", "n": 1}, "json", "@cee: ")
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert line.startswith(b"@cee: ")
    assert json.loads(line[len(b"@cee: "):]) == {"type": "request", "n": 1}


def test_jsonx() -> None:
    line = encode({"a": "<x>", "b": [1, True, None]}, "jsonx", "").decode()
    assert line.startswith('<?xml version="1.0" encoding="UTF-8"?><json:object xmlns:json=')
    assert '<json:string name="a">&lt;x&gt;</json:string>' in line
    assert ('<json:array name="b"><json:number>1</json:number><json:boolean>true'
            '</json:boolean><json:null/></json:array>') in line
