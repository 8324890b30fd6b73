"""The import rules of DESIGN.md §4, checked on the source (arrows only point down)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pyvault"

# package → pyvault modules it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "physical": ("pyvault.barrier", "pyvault.core", "pyvault.http", "pyvault.builtin",
                 "pyvault.token", "pyvault.policy"),
    "barrier": ("pyvault.core", "pyvault.http", "pyvault.builtin", "pyvault.token"),
    "crypto": ("pyvault.core", "pyvault.http", "pyvault.builtin", "pyvault.barrier"),
    "framework": ("pyvault.core", "pyvault.http", "pyvault.builtin"),
    "logical": ("pyvault.core", "pyvault.http", "pyvault.builtin", "pyvault.framework"),
    "builtin": ("pyvault.core", "pyvault.http", "pyvault.cli"),
    "token": ("pyvault.core", "pyvault.http", "pyvault.builtin"),
    "expiration": ("pyvault.core", "pyvault.http", "pyvault.builtin"),
    "policy": ("pyvault.core", "pyvault.http", "pyvault.builtin", "pyvault.token"),
    "core": ("pyvault.http", "pyvault.cli"),
    "audit": ("pyvault.core", "pyvault.http", "pyvault.cli", "pyvault.builtin"),
    "metrics": ("pyvault.http", "pyvault.cli", "pyvault.builtin"),
    # Seals wrap keys for core; they know nothing of it (HTTP clients are injected).
    "seal": ("pyvault.core", "pyvault.http", "pyvault.cli", "pyvault.builtin",
             "pyvault.barrier", "pyvault.token", "pyvault.policy"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def sources(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sources(package)
        for name in imports_of(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert not offenders


def test_only_the_http_layer_imports_aiohttp() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.parts[len(PACKAGE.parts)] != "http"
        and any(name.split(".")[0] == "aiohttp" for name in imports_of(path))
    ]
    assert not offenders
