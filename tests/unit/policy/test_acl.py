"""The compiled ACL: lookup order, priority matching, merging and request checks.

The expectations follow Vault's ``acl.go`` and its "Priority matching" docs;
the same behaviours are checked against the real server in test_acl_vectors.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pyvault.policy import ACL, Capability, Policy, parse_policy
from pyvault.policy.params import globbed_strings_match, value_in_parameter_list

C = Capability


def acl(*texts: str) -> ACL:
    return ACL.compile([parse_policy(f"p{i}", text) for i, text in enumerate(texts)])


def rule(path: str, caps: str, extra: str = "") -> str:
    quoted = ", ".join(f'"{c}"' for c in caps.split())
    return f'path "{path}" {{ capabilities = [{quoted}] {extra} }}\n'


# --- priority matching (Vault docs, "Priority matching") -----------------------------


@pytest.mark.parametrize(
    ("winner", "loser", "path"),
    [
        # the first wildcard/glob later in the path wins
        ("secret/a*", "secret/+", "secret/abc"),
        ("secret/foo/+/baz", "secret/+/bar/baz", "secret/foo/bar/baz"),
        ("secret/foo*", "secret/+/bar", "secret/foo/bar"),
        # at the same position a non-prefix (no trailing *) rule wins
        ("secret/+/bar", "secret/+/ba*", "secret/x/bar"),
        ("secret/+", "secret/*", "secret/x"),
        ("secret/+/bar", "secret/*", "secret/foo/bar"),
        # then fewer + segments
        ("secret/+/bar/baz", "secret/+/+/baz", "secret/x/bar/baz"),
        # then the longer pattern
        ("secret/+/bar/ba*", "secret/+/bar/b*", "secret/x/bar/baz"),
        # then the lexicographically larger one
        ("secret/+/x/+", "secret/+/+/y", "secret/a/x/y"),
        # the longest prefix among plain globs
        ("secret/a/*", "secret/*", "secret/a/b"),
    ],
)
def test_priority(winner: str, loser: str, path: str) -> None:
    for order in ((winner, loser), (loser, winner)):
        texts = [
            rule(order[0], "read" if order[0] == winner else "update"),
            rule(order[1], "read" if order[1] == winner else "update"),
        ]
        compiled = acl(*texts)
        assert compiled.capabilities(path) == ["read"], order


def test_exact_beats_any_wildcard_and_is_not_merged_with_it() -> None:
    compiled = acl(rule("secret/a", "read"), rule("secret/*", "update") + rule("secret/+", "list"))
    assert compiled.capabilities("secret/a") == ["read"]
    assert compiled.capabilities("secret/b") == ["list"]


def test_segment_wildcards() -> None:
    compiled = acl(rule("secret/+/b", "read") + rule("+/x/+/*", "update"))
    assert compiled.capabilities("secret/any/b") == ["read"]
    assert compiled.capabilities("secret//b") == ["read"]  # + matches an empty segment
    assert compiled.capabilities("secret/a/c/b") == ["deny"]
    assert compiled.capabilities("kv/x/y/z/w") == ["update"]
    assert compiled.capabilities("kv/x/y/") == ["update"]
    assert compiled.capabilities("kv/x/y") == ["deny"]  # too few segments for the prefix


def test_glob_only_at_the_end() -> None:
    compiled = acl(rule("secret/a*b", "read"))
    assert compiled.capabilities("secret/a*b") == ["read"]
    assert compiled.capabilities("secret/aXb") == ["deny"]


def test_leading_slashes_are_ignored() -> None:
    compiled = acl(rule("/secret/a", "read"))
    assert compiled.capabilities("//secret/a") == ["read"]


# --- list and trailing slashes -------------------------------------------------------


def test_list_falls_back_to_the_path_without_slash() -> None:
    compiled = acl(rule("secret/dir", "list") + rule("secret/+", "read list"))
    assert compiled.allow_operation("list", "secret/dir/").allowed
    assert not compiled.allow_operation("read", "secret/dir/").allowed
    # non-exact fallback: secret/x/ does not match secret/+ but secret/x does
    assert compiled.allow_operation("list", "secret/x/").allowed
    assert not compiled.allow_operation("read", "secret/x/").allowed
    assert compiled.capabilities("secret/x/") == ["list", "read"]


def test_list_rule_with_slash_does_not_cover_the_bare_path() -> None:
    compiled = acl(rule("secret/dir/", "list"))
    assert compiled.capabilities("secret/dir/") == ["list"]
    assert compiled.capabilities("secret/dir") == ["deny"]
    assert compiled.allow_operation("list", "secret/dir/").allowed


# --- merging ------------------------------------------------------------------------


def test_capabilities_are_ored_and_deny_wins() -> None:
    assert acl(rule("a", "read"), rule("a", "update list")).capabilities("a") == [
        "list",
        "read",
        "update",
    ]
    assert acl(rule("a", "read"), rule("a", "deny"), rule("a", "sudo")).capabilities("a") == [
        "deny"
    ]
    assert acl(rule("a", "deny"), rule("a", "read")).capabilities("a") == ["deny"]


def test_repeated_blocks_in_one_policy_merge() -> None:
    compiled = acl(rule("a", "read") + rule("a", "create"))
    assert compiled.capabilities("a") == ["create", "read"]


def test_granting_policies() -> None:
    compiled = ACL.compile(
        [
            parse_policy("alpha", rule("a", "read update")),
            parse_policy("beta", rule("a", "read")),
        ]
    )
    assert compiled.allow_operation("read", "a").granting_policies == ("alpha", "beta")
    assert compiled.allow_operation("update", "a").granting_policies == ("alpha",)


def test_parameter_maps_merge() -> None:
    one = rule("p", "update", 'allowed_parameters = { "foo" = ["a"] }')
    two = rule("p", "update", 'allowed_parameters = { "foo" = ["b"] "bar" = [] }')
    compiled = acl(one, two)
    assert compiled.allow_operation("update", "p", {"foo": "b", "bar": "zz"}).allowed
    assert not compiled.allow_operation("update", "p", {"foo": "c"}).allowed
    # An unrestricted rule does not lift another policy's restriction (Vault quirk).
    restricted = acl(rule("p", "update"), rule("p", "update", 'allowed_parameters = { "f" = [] }'))
    assert not restricted.allow_operation("update", "p", {"other": "x"}).allowed


def test_wrapping_ttl_bounds_merge_to_the_smaller() -> None:
    compiled = acl(
        rule("w", "read", "min_wrapping_ttl = 60"),
        rule("w", "read", 'min_wrapping_ttl = 30 max_wrapping_ttl = "2m"'),
    )
    perms = compiled.permissions("w")
    assert perms is not None and (perms.min_wrapping_ttl, perms.max_wrapping_ttl) == (30, 120)
    assert not compiled.allow_operation("read", "w").allowed  # no wrapping requested
    assert not compiled.allow_operation("read", "w", wrap_ttl=0).allowed
    assert compiled.allow_operation("read", "w", wrap_ttl=45).allowed
    assert not compiled.allow_operation("read", "w", wrap_ttl=121).allowed


# --- operations and parameters --------------------------------------------------------


def test_operation_capabilities() -> None:
    compiled = acl(rule("a", "update"))
    for op in ("update", "revoke", "renew", "rollback"):
        assert compiled.allow_operation(op, "a").allowed, op
    for op in ("read", "create", "delete", "list", "patch", "scan", "resolve-role"):
        assert not compiled.allow_operation(op, "a").allowed, op
    assert compiled.allow_operation("help", "nowhere").allowed


def test_sudo_and_root_paths() -> None:
    compiled = acl(rule("sys/audit", "read"), rule("sys/raw/*", "read sudo"))
    plain = compiled.allow_operation("read", "sys/audit", is_root_path=True)
    assert not plain.allowed and not plain.root_privs
    assert compiled.allow_operation("read", "sys/audit").allowed
    sudo = compiled.allow_operation("read", "sys/raw/x", is_root_path=True)
    assert sudo.allowed and sudo.root_privs
    assert compiled.allow_operation("help", "sys/audit", is_root_path=True).allowed


def test_parameter_rules() -> None:
    text = rule(
        "p",
        "create update",
        'allowed_parameters = { "*" = [] "mode" = ["ro", "rw*"] } '
        'denied_parameters = { "secret" = [] } required_parameters = ["Name"]',
    )
    compiled = acl(text)

    def allowed(data: dict[str, object]) -> bool:
        return compiled.allow_operation("update", "p", data).allowed

    assert allowed({"name": "n", "mode": "rwx", "other": 1})
    assert not allowed({"name": "n", "mode": "x"})
    assert not allowed({"name": "n", "SECRET": "x"})
    assert not allowed({"mode": "ro"})  # required parameter missing
    assert not allowed({"Name": "n"})  # required names are looked up lowercased
    assert compiled.allow_operation("create", "p", {"name": 1}).allowed
    assert not compiled.allow_operation("update", "p").allowed


def test_no_data_passes_allowed_and_denied_lists() -> None:
    compiled = acl(rule("p", "update", 'denied_parameters = { "*" = [] }'))
    assert compiled.allow_operation("update", "p", {}).allowed
    assert not compiled.allow_operation("update", "p", {"x": "y"}).allowed


def test_value_matching_is_typed_like_go() -> None:
    assert value_in_parameter_list("anything", ())
    assert value_in_parameter_list(None, ())
    assert not value_in_parameter_list(1, (1,))  # JSON numbers are json.Number in Vault
    assert not value_in_parameter_list(True, (1,))
    assert value_in_parameter_list(True, (True,))
    assert value_in_parameter_list(["a", "b"], (("a", "b"),))
    assert not value_in_parameter_list(["a*"], (("abc",),))  # no globbing inside lists
    assert value_in_parameter_list({"k": "v"}, ({"k": "v"},))
    assert not value_in_parameter_list(None, ("",))


@pytest.mark.parametrize(
    ("pattern", "value", "match"),
    [
        ("*", "*", True),
        ("*", "x", False),
        ("ab*", "abc", True),
        ("*bc", "abc", True),
        ("*b*", "abc", True),
        ("a*c", "abc", False),
        ("a*c", "a*c", True),
        ("", "", True),
    ],
)
def test_globbed_strings(pattern: str, value: str, match: bool) -> None:
    assert globbed_strings_match(pattern, value) is match


def test_pagination_limit() -> None:
    compiled = acl(rule("d/", "list", "pagination_limit = 5"))
    assert compiled.allow_operation("list", "d/").limit == "5"
    assert compiled.allow_operation("list", "d/", {"limit": "3"}).limit is None
    assert compiled.allow_operation("list", "d/", {"limit": "0"}).limit == "5"
    assert compiled.allow_operation("list", "d/", {"limit": "max"}).limit == "5"
    assert not compiled.allow_operation("list", "d/", {"limit": "6"}).allowed
    unlimited = acl(rule("d/", "list"))
    assert unlimited.allow_operation("list", "d/", {"limit": "max"}).limit == "0"


def test_response_keys_filter_and_mfa_are_reported() -> None:
    text = rule(
        "d/*",
        "list read",
        'list_scan_response_keys_filter_path = "d/{{ .key }}" mfa_methods = ["totp"]',
    )
    compiled = acl(text)
    listing = compiled.allow_operation("list", "d/")
    assert listing.response_keys_filter_path == "d/{{ .key }}"
    assert listing.mfa_methods == ("totp",)
    assert compiled.allow_operation("read", "d/x").response_keys_filter_path == ""


# --- root, defaults, special rules ----------------------------------------------------


def test_root_acl() -> None:
    root = ACL.compile([Policy(name="root", rules=(), raw="")])
    assert root.is_root
    assert root.capabilities("anything") == ["root"]
    result = root.allow_operation("delete", "sys/raw/x", is_root_path=True)
    assert result.allowed and result.root_privs and result.is_root
    assert result.granting_policies == ("root",)
    assert ACL.root().capabilities("x") == ["root"]
    with pytest.raises(ValueError, match="other policies present along with root"):
        ACL.compile([Policy(name="root", rules=(), raw=""), parse_policy("x", "")])


def test_no_policies_deny_everything() -> None:
    empty = ACL.compile([])
    assert empty.capabilities("secret/a") == ["deny"]
    result = empty.allow_operation("read", "secret/a")
    assert not result.allowed and result.denied_reason


def test_templated_and_expired_rules_are_skipped() -> None:
    templated = parse_policy("t", rule("a/{{identity.entity.id}}", "read") + rule("a/*", "list"))
    assert ACL.compile([templated]).capabilities("a/{{identity.entity.id}}") == ["list"]
    expiring = parse_policy("e", rule("b", "read", 'expiration = "2030-01-01T00:00:00Z"'))
    assert ACL.compile([expiring]).capabilities("b") == ["read"]
    later = datetime(2031, 1, 1, tzinfo=UTC)
    assert ACL.compile([expiring], now=later).capabilities("b") == ["deny"]


def test_default_policy() -> None:
    from pyvault.policy.defaults import builtin_policy

    default = builtin_policy("default")
    assert default is not None
    compiled = ACL.compile([default])
    assert compiled.capabilities("cubbyhole/x") == ["create", "delete", "list", "read", "update"]
    assert compiled.capabilities("sys/tools/hash/sha2-256") == ["update"]
    assert compiled.capabilities("identity/oidc/provider/p/authorize") == ["read", "update"]
    assert compiled.capabilities("secret/x") == ["deny"]


def test_acl_handles_many_rules() -> None:
    text = "".join(rule(f"kv/team{i}/*", "read") + rule(f"kv/+/app{i}", "list") for i in range(300))
    compiled = acl(text)
    assert compiled.capabilities("kv/team299/x") == ["read"]
    assert compiled.capabilities("kv/any/app7") == ["list"]
    assert compiled.capabilities("kv/team7/app7") == ["read"]  # prefix "kv/team7/" is later
    assert compiled.permissions("kv/none") is None
    perms = compiled.permissions("kv/team1/x")
    assert perms is not None and perms.capabilities == C.READ
