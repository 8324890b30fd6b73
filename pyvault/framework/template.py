"""Path templates (``keys/{name}``) compiled to anchored regexes.

Templates rather than raw regexes, so that the OpenAPI document and help can show
the path as users write it (STYLE.md §1.7: declare templates, compile *to* regex).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Vault's GenericNameRegex: word characters, with - and . allowed inside.
NAME = r"\w(?:[\w\-.]*\w)?"
CONVERTERS: dict[str, str] = {
    "name": NAME,
    "path": r".+",
    "optpath": r".*",
    "segment": r"[^/]+",
    "int": r"\d+",
    "hex": r"[0-9a-fA-F:\-]+",
}
_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<conv>[^{}]+))?\}")


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    template: str
    regex: re.Pattern[str]
    captures: tuple[str, ...]

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {k: v for k, v in found.groupdict().items() if v is not None}


def compile_template(template: str) -> CompiledTemplate:
    """``{x}`` is a Vault name, ``{x:path}`` anything, ``{x:<regex>}`` a custom regex."""
    parts: list[str] = []
    captures: list[str] = []
    position = 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : found.start()]))
        name = found.group("name")
        conv = found.group("conv") or "name"
        parts.append(f"(?P<{name}>{CONVERTERS.get(conv, conv)})")
        captures.append(name)
        position = found.end()
    parts.append(re.escape(template[position:]))
    return CompiledTemplate(template, re.compile("".join(parts)), tuple(captures))


def openapi_path(template: str) -> str:
    """``keys/{name:name}`` → ``keys/{name}``."""
    return _PLACEHOLDER.sub(lambda m: "{" + m.group("name") + "}", template)
