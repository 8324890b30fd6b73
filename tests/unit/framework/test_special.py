"""Special-path patterns: a trailing * is a prefix, + is one segment, never more."""

from __future__ import annotations

import pytest

from pyvault.framework.special import matches


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("login", "login", True),
        ("login/x", "login", False),
        ("login/alice", "login/*", True),
        ("accessors/", "accessors*", True),
        ("issuer/default/pem", "issuer/+/pem", True),
        ("issuer/default/issue/pem", "issuer/+/pem", False),  # a role named "pem"
        ("issuer//pem", "issuer/+/pem", False),
        ("issuer/a/crl/delta", "issuer/+/crl/delta", True),
        ("roles/a/secret-id/x", "roles/+/secret-id*", True),
        ("roles/a/b/secret-id", "roles/+/secret-id*", False),
    ],
)
def test_matches(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, pattern) is expected
