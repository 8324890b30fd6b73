"""Replay tests/vectors/acl_cases.json on pyvault's ACL (used by the test and scripts/acl-diff)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyvault.policy import ACL, PolicyError, parse_policy

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "acl_cases.json"
#: The clock the vectors were recorded under: after 2001, before 2999.
NOW = datetime(2026, 1, 1, tzinfo=UTC)
_WRITES = ("create", "update", "patch")
_QUERY_OPS = ("read", "list", "scan")


def load() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(VECTORS.read_text())
    return doc


def build_acl(policies: Mapping[str, str]) -> ACL:
    if "root" in policies:
        return ACL.root()
    # Vault keeps a token's policy names sorted, and merges in that order.
    parsed = [parse_policy(name, text) for name, text in sorted(policies.items())]
    return ACL.compile(parsed, now=NOW)


def routed_path(operation: str, path: str) -> str:
    """The path the ACL sees: Vault's HTTP layer ends list/scan paths with '/'."""
    if operation in ("list", "scan") and not path.endswith("/"):
        return path + "/"
    return path


def request_data(operation: str, data: Mapping[str, object] | None) -> dict[str, object] | None:
    if data is None:
        return None
    if operation in _QUERY_OPS:  # sent as a query string: every value is a string
        return {key: str(value) for key, value in data.items()}
    return dict(data)


def check_case(case: Mapping[str, Any], write_data: Mapping[str, object]) -> list[str]:
    """Differences between pyvault and the reference for one case (empty when equal)."""
    problems: list[str] = []
    acl = build_acl(case["policies"])
    path = case["path"]
    caps = acl.capabilities(path)
    if caps != case["capabilities"]:
        problems.append(f"capabilities {caps} != reference {case['capabilities']}")
    for operation, expected in case["operations"].items():
        data = dict(write_data) if operation in _WRITES else None
        got = acl.allow_operation(
            operation, routed_path(operation, path), data=data, is_root_path=case["root_path"]
        )
        if got.allowed != expected:
            problems.append(
                f"{operation}: allowed={got.allowed} ({got.denied_reason}), reference {expected}"
            )
    for item in case["requests"]:
        operation = item["operation"]
        got = acl.allow_operation(
            operation,
            routed_path(operation, path),
            data=request_data(operation, item["data"]),
            is_root_path=case["root_path"],
            wrap_ttl=item["wrap_ttl"],
        )
        if got.allowed != item["allowed"]:
            problems.append(
                f"{operation} {item['data']} wrap={item['wrap_ttl']}: "
                f"allowed={got.allowed} ({got.denied_reason}), "
                f"reference {item['allowed']}"
            )
    return problems


def check_parse_case(case: Mapping[str, Any]) -> list[str]:
    try:
        parse_policy("vector", case["policy"])
        error = None
    except PolicyError as exc:
        error = exc.message
    if error != case["error"]:
        return [f"error {error!r} != reference {case['error']!r}"]
    return []
