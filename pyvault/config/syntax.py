"""Turn HCL or JSON text into the file's top-level (key, value) items, in order.

``hcl.loads`` folds repeated top-level blocks into one dict: two
``listener "tcp" {...}`` blocks come back as ONE listener whose keys are the
two bodies merged, and two ``storage`` blocks silently keep the last. Vault
treats each block as its own item, so we keep pyhcl's grammar and nested
values but stop it from folding the top level.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

__all__ = ["Item", "parse_items"]

Item = tuple[str, object]


@cache
def _items_parser_class() -> type[Any]:
    """pyhcl (and its ply) are imported on the first HCL text parsed, so a dev
    server started without a config file never loads them (~0.5 MiB of RSS)."""
    from hcl.parser import HclParser

    class _TopLevelItemsParser(HclParser):  # type: ignore[misc]  # pyhcl ships no type hints
        """pyhcl's parser whose top rule returns the raw item list instead of a dict."""

        def p_top(self, p: Any) -> None:
            """
            top : empty
                | objectlist
            """
            # The docstring above is the grammar rule (ply reads it); it must match pyhcl's.
            p[0] = list(p[1])

    return _TopLevelItemsParser


class _JSONObject(list[Item]):
    """Marks a decoded JSON object so it can be told apart from a JSON array."""


def parse_items(text: str, *, json_syntax: bool) -> list[Item]:
    """Return the top-level items; raise ValueError with the parser's message.

    HCL text that starts with ``{`` is JSON, as in pyhcl and Vault's HCL v1.
    """
    if json_syntax or text.lstrip().startswith("{"):
        return _parse_json(text)
    if not text.strip():
        return []
    try:
        items: list[Item] = _items_parser_class()().parse(text)
    except ValueError as exc:
        raise ValueError(_fix_position(str(exc), text)) from None
    return [(str(key), value) for key, value in items]


_LEXER_POSITION = re.compile(r"Line (\d+), column (\d+), index \d+: ")
_PARSER_POSITION = re.compile(r"Line (\d+), column (\d+): ")


def _fix_position(message: str, text: str) -> str:
    """Give pyhcl's errors 1-based columns.

    The lexer reports 0-based columns; the parser reports the offset from the
    start of the file and calls it a column.
    """
    if match := _LEXER_POSITION.match(message):
        line, column = int(match[1]), int(match[2]) + 1
    elif match := _PARSER_POSITION.match(message):
        line, offset = int(match[1]), int(match[2])
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    else:
        return message
    return f"Line {line}, column {column}: {message[match.end() :]}"


def _parse_json(text: str) -> list[Item]:
    document = json.loads(text, object_pairs_hook=_JSONObject)
    if not isinstance(document, _JSONObject):
        raise ValueError("the top level must be a JSON object")
    # Repeated top-level keys stay separate items, like repeated HCL blocks.
    return [(key, _plain(value)) for key, value in document]


def _plain(value: object) -> object:
    """Nested JSON objects become dicts (a repeated nested key: the last wins)."""
    if isinstance(value, _JSONObject):
        return {key: _plain(item) for key, item in value}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
