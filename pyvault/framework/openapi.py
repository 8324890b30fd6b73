"""OpenAPI 3 documents generated from the same Path tables that route requests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pyvault.framework.fields import OPENAPI_TYPES, Field
from pyvault.framework.path import Path
from pyvault.framework.template import openapi_path
from pyvault.logical.operation import Operation
from pyvault.version import __version__

_VERB = {
    Operation.READ: "get",
    Operation.UPDATE: "post",
    Operation.CREATE: "post",
    Operation.DELETE: "delete",
    Operation.PATCH: "patch",
}


def _schema(field: Field) -> dict[str, Any]:
    kind = OPENAPI_TYPES[field.type]
    schema: dict[str, Any] = {"type": kind}
    if kind == "array":
        schema["items"] = {"type": "string"}
    if field.description:
        schema["description"] = field.description
    if field.default is not None:
        schema["default"] = field.default
    if field.allowed:
        schema["enum"] = list(field.allowed)
    return schema


def _operation_id(prefix: str, template: str, verb: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "-", f"{verb}-{prefix}{openapi_path(template)}")
    return words.strip("-").lower()


def path_items(prefix: str, path: Path, tag: str) -> dict[str, dict[str, Any]]:
    """The OpenAPI path items of one Path, keyed by ``/<prefix><template>``."""
    items: dict[str, dict[str, Any]] = {}
    for template in path.compiled:
        captures = set(template.captures)
        item: dict[str, Any] = {"description": path.synopsis}
        if captures:
            item["parameters"] = [
                {"name": name, "in": "path", "required": True,
                 "description": path.fields[name].description,
                 "schema": {"type": "string"}}
                for name in template.captures
            ]
        body = {n: _schema(f) for n, f in path.fields.items() if n not in captures}
        for operation in path.operations:
            if operation is Operation.LIST:
                item["get"] = item.get("get") or {
                    "summary": path.operations[operation].summary or path.synopsis,
                    "operationId": _operation_id(prefix, template.template, "list"),
                    "tags": [tag],
                    "parameters": [{"name": "list", "in": "query", "required": True,
                                    "schema": {"type": "string", "enum": ["true"]}}],
                    "responses": {"200": {"description": "OK"}},
                }
                continue
            verb = _VERB.get(operation)
            if verb is None or verb in item:
                continue
            spec: dict[str, Any] = {
                "summary": path.operations[operation].summary or path.synopsis,
                "operationId": _operation_id(prefix, template.template, verb),
                "tags": [tag],
                "responses": {"200": {"description": "OK"}},
            }
            if verb in ("post", "patch") and body:
                spec["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "properties": body}}}}
            item[verb] = spec
        items["/" + prefix + openapi_path(template.template)] = item
    return items


def document(mounted: Iterable[tuple[str, str, Iterable[Path]]]) -> dict[str, Any]:
    """A whole-server document from (mount path, mount type, paths) triples."""
    paths: dict[str, Any] = {}
    for prefix, mount_type, table in mounted:
        tag = "auth" if prefix.startswith("auth/") else (
            "system" if mount_type == "system" else "secrets")
        for path in table:
            paths.update(path_items(prefix, path, tag))
    return {
        "openapi": "3.0.2",
        "info": {
            "title": "pyvault API",
            "description": "HTTP API of pyvault, compatible with HashiCorp Vault's. "
                           "All API routes are prefixed with `/v1/`.",
            "version": __version__,
            "license": {"name": "Mozilla Public License 2.0",
                        "url": "https://www.mozilla.org/en-US/MPL/2.0"},
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {}},
    }


def help_text(request_path: str, path: Path) -> str:
    """The ``help`` string of ``?help=1``, laid out as Vault's."""
    routes = " | ".join(f"^{t.template}$" for t in path.compiled)
    text = f"Request:        {request_path}\nMatching Route: {routes}\n\n{path.synopsis}\n"
    if path.fields:
        text += "\n## PARAMETERS\n"
        for name, field in sorted(path.fields.items()):
            text += f"\n{name} ({OPENAPI_TYPES[field.type]})\n\n    {field.description}\n"
    if path.description:
        text += f"\n\n## DESCRIPTION\n\n{path.description}"
    return text
