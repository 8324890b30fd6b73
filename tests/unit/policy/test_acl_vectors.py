"""pyvault's ACL against answers recorded from the reference server.

tests/vectors/acl_cases.json is written by ``scripts/acl-diff`` from a real
OpenBao: capabilities from ``sys/capabilities``, allow/deny from performing
each request with a token holding exactly the case's policies, and parse
errors from ``PUT sys/policies/acl/:name``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.policy.acl_vectors import check_case, check_parse_case, load

DOC = load()


def test_vector_file_is_substantial() -> None:
    assert DOC["reference"].startswith("OpenBao")
    assert len(DOC["cases"]) >= 60
    names = [case["name"] for case in DOC["cases"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_acl_matches_reference(case: dict[str, Any]) -> None:
    assert check_case(case, DOC["write_data"]) == []


@pytest.mark.parametrize("case", DOC["parse_errors"], ids=[c["name"] for c in DOC["parse_errors"]])
def test_parse_matches_reference(case: dict[str, Any]) -> None:
    assert check_parse_case(case) == []
