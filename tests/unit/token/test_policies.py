"""Policy list rules: sanitising, globs and who may grant what."""

from __future__ import annotations

import pytest

from pyvault.logical.errors import InvalidRequest
from pyvault.token.policies import glob_match, resolve_token_policies, sanitize_policies
from pyvault.token.role import TokenRole


def test_sanitize() -> None:
    assert sanitize_policies([" B", "a", "", "b"], add_default=True) == ["a", "b", "default"]
    assert sanitize_policies(["a", "ROOT"], add_default=True) == ["root"]
    assert sanitize_policies([], add_default=False) == []


@pytest.mark.parametrize(("pattern", "value", "matches"), [
    ("*", "", True), ("", "", True), ("", "a", False), ("dev-*", "dev-x", True),
    ("dev-*", "prod", False), ("*-ro", "kv-ro", True), ("a*b*c", "axbyc", True),
    ("a*b*c", "ac", False), ("a?", "ab", False), ("ab*ba", "aba", False),
])
def test_glob(pattern: str, value: str, matches: bool) -> None:
    assert glob_match(pattern, value) is matches


def resolve(requested: list[str], parent: list[str], *, sudo: bool = False,
            no_default: bool = False, role: TokenRole | None = None) -> list[str]:
    return resolve_token_policies(requested, no_default_policy=no_default, role=role,
                                  parent_policies=parent, is_sudo=sudo)


def test_non_sudo_subset_rule() -> None:
    assert resolve(["dev"], ["default", "dev", "ops"]) == ["default", "dev"]
    assert resolve(["dev"], ["dev"]) == ["dev"]  # default only when the parent has it
    assert resolve(["dev"], ["default", "dev"], no_default=True) == ["dev"]
    with pytest.raises(InvalidRequest, match="child policies must be subset of parent"):
        resolve(["default"], ["dev"])


def test_sudo_and_inheritance() -> None:
    assert resolve(["other"], ["dev"], sudo=True) == ["default", "other"]
    assert resolve([], ["dev"]) == ["dev"]
    with pytest.raises(InvalidRequest, match='cannot assign policy "response-wrapping"'):
        resolve(["response-wrapping"], ["root"], sudo=True)


def test_role_rules() -> None:
    role = TokenRole(name="r", allowed_policies_glob=["dev-*"], disallowed_policies=["dev-x"])
    assert resolve(["dev-a"], ["root"], role=role) == ["default", "dev-a"]
    with pytest.raises(InvalidRequest, match='token policy "dev-x" is disallowed by this role'):
        resolve(["dev-x"], ["root"], role=role)
    denied_default = TokenRole(name="r", disallowed_policies=["default"])
    assert resolve([], ["dev"], role=denied_default) == ["dev"]
