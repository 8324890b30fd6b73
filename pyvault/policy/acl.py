"""The compiled ACL: which capabilities a set of policies grants on a path.

``ACL.compile`` merges the policies once into three tables, as Vault's
``NewACL``: exact paths (a dict), prefix paths (``foo/*``; a dict probed from
the longest stored prefix length down) and segment-wildcard paths (``+``;
a trie by segment, each rule's priority computed once, see segments.py).

Lookup order (``AllowOperation``): the exact path; for list/scan the exact
path without its trailing ``/``; the best prefix or wildcard match; for
list/scan the best non-exact match of the path without its trailing ``/``.
Among non-exact matches Vault prefers, in order: the later first ``+``/``*``
position, a non-prefix rule, fewer ``+`` segments, the longer pattern, then
the lexicographically larger one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pyvault.policy.capability import ROOT_CAPABILITIES, Capability, sorted_capability_names
from pyvault.policy.model import ControlGroup, Policy
from pyvault.policy.params import check_parameters, pagination
from pyvault.policy.permissions import Permissions, PermissionsBuilder
from pyvault.policy.segments import SegmentTrie, prefix_priority

__all__ = ["ACL", "OPERATION_CAPABILITY", "AuthResult"]

#: Vault's logical operation → the capability it needs.
OPERATION_CAPABILITY: Mapping[str, Capability] = {
    "read": Capability.READ,
    "list": Capability.LIST,
    "update": Capability.UPDATE,
    "delete": Capability.DELETE,
    "create": Capability.CREATE,
    "patch": Capability.PATCH,
    "scan": Capability.SCAN,
    "revoke": Capability.UPDATE,
    "renew": Capability.UPDATE,
    "rollback": Capability.UPDATE,
}
_LISTING = frozenset({"list", "scan"})


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The ACL's answer for one request.

    ``root_privs`` is true when the matching rule has ``sudo`` (or for root).
    ``limit`` is set when Vault would rewrite the request's ``limit``
    parameter (OpenBao ``pagination_limit``). ``denied_reason`` is for logs
    only; clients always see ``permission denied``.
    """

    allowed: bool
    root_privs: bool = False
    is_root: bool = False
    granting_policies: tuple[str, ...] = ()
    denied_reason: str | None = None
    mfa_methods: tuple[str, ...] = ()
    control_group: ControlGroup | None = None
    response_keys_filter_path: str = ""
    limit: str | None = None


_ROOT_RESULT = AuthResult(allowed=True, root_privs=True, is_root=True, granting_policies=("root",))
_HELP_RESULT = AuthResult(allowed=True)
_NO_RULE = AuthResult(allowed=False, denied_reason="no policy grants access to this path")


class ACL:
    """Policies compiled for fast checks; immutable once built."""

    __slots__ = ("_exact", "_is_root", "_prefix", "_prefix_lengths", "_segments")

    def __init__(
        self,
        exact: Mapping[str, Permissions],
        prefix: Mapping[str, Permissions],
        segments: Mapping[str, Permissions],
        *,
        is_root: bool = False,
    ) -> None:
        self._exact = dict(exact)
        self._prefix = dict(prefix)
        self._prefix_lengths = tuple(sorted({len(p) for p in prefix}, reverse=True))
        self._segments: SegmentTrie[Permissions] = SegmentTrie()
        for pattern, perms in segments.items():
            if pattern:  # Vault skips an empty pattern
                self._segments.add(pattern, perms)
        self._is_root = is_root

    @classmethod
    def root(cls) -> ACL:
        """The ACL of the ``root`` policy: everything allowed, with sudo."""
        return cls({}, {}, {}, is_root=True)

    @classmethod
    def compile(cls, policies: Sequence[Policy], *, now: datetime | None = None) -> ACL:
        """Merge ``policies`` into one ACL, in the given order (Vault uses the
        token's sorted policy names; only granting-policy lists and the first
        filter path / control group depend on it).

        A policy named ``root`` gives the root ACL and must come alone, as in
        Vault. Templated rules are skipped (no identity yet); with ``now``,
        rules whose ``expiration`` has passed are skipped.
        """
        if any(policy.name == "root" for policy in policies):
            if len(policies) != 1:
                raise ValueError("other policies present along with root")
            return cls.root()
        tables: tuple[dict[str, PermissionsBuilder], ...] = ({}, {}, {})
        for policy in policies:
            for rule in policy.rules:
                if rule.templated:
                    continue
                if rule.expiration is not None and now is not None and now > rule.expiration:
                    continue
                table = tables[2 if rule.has_segment_wildcards else int(rule.is_prefix)]
                builder = table.get(rule.path)
                if builder is None:
                    table[rule.path] = PermissionsBuilder.start(rule, policy.name)
                else:
                    builder.merge(rule, policy.name)
        exact, prefix, segments = ({k: b.build() for k, b in t.items()} for t in tables)
        return cls(exact, prefix, segments)

    @property
    def is_root(self) -> bool:
        return self._is_root

    def permissions(self, path: str, operation: str = "read") -> Permissions | None:
        """The merged permissions Vault would apply to ``operation`` on ``path``."""
        path = path.lstrip("/")
        listing = operation in _LISTING
        perms = self._exact.get(path)
        if perms is None and listing:
            perms = self._exact.get(path.removesuffix("/"))
        if perms is None:
            perms = self._non_exact(path)
        if perms is None and listing and path.endswith("/"):
            perms = self._non_exact(path[:-1])
        return perms

    def _non_exact(self, path: str) -> Permissions | None:
        prefix_perms: Permissions | None = None
        prefix = ""
        size = len(path)
        for length in self._prefix_lengths:
            if length <= size:
                found = self._prefix.get(path[:length])
                if found is not None:
                    prefix, prefix_perms = path[:length], found
                    break
        if not self._segments:
            return prefix_perms
        best = self._segments.best(path)
        if best is None:
            return prefix_perms
        if prefix_perms is not None and prefix_priority(prefix) > best[0]:
            return prefix_perms
        return best[1]

    def has_mount_access(self, mount_path: str) -> bool:
        """Vault's ``hasMountAccess``: may the UI/CLI show this mount to the token?

        True when the mount path itself grants something, or any exact or prefix
        rule below it grants a non-deny capability, or a wildcard rule covers it.
        """
        if self._is_root or self.capabilities(mount_path) != ["deny"]:
            return True
        for table in (self._exact, self._prefix):
            for rule_path, perms in table.items():
                if rule_path.startswith(mount_path) and _grants(perms):
                    return True
        covering = self._non_exact(mount_path)
        return covering is not None and _grants(covering)

    def capabilities(self, path: str) -> list[str]:
        """What ``sys/capabilities`` answers for ``path`` (sorted; ``["deny"]`` if none)."""
        if self._is_root:
            return list(ROOT_CAPABILITIES)
        perms = self.permissions(path, "list")
        return sorted_capability_names(perms.capabilities if perms else Capability.NONE)

    def allow_operation(
        self,
        operation: str,
        path: str,
        data: Mapping[str, object] | None = None,
        is_root_path: bool = False,
        wrap_ttl: float | None = None,
    ) -> AuthResult:
        """Decide one request as Vault's ``AllowOperation`` + ``performPolicyChecks``.

        ``path`` is the request path as routed (a list request's path ends in
        ``/``, which Vault's HTTP layer adds); ``is_root_path`` marks a
        sudo-protected path; ``wrap_ttl`` is the requested wrapping TTL in seconds
        (None or 0: no wrapping requested).
        """
        if self._is_root:
            return _ROOT_RESULT
        if operation == "help":
            return _HELP_RESULT
        perms = self.permissions(path, operation)
        if perms is None:
            return _NO_RULE
        if wrap_ttl is not None and wrap_ttl <= 0:
            wrap_ttl = None
        result = _check(perms, operation, data or {}, wrap_ttl)
        if result.allowed and is_root_path and not result.root_privs:
            return AuthResult(allowed=False, denied_reason="sudo capability required")
        return result


def _grants(perms: Permissions) -> bool:
    caps = perms.capabilities
    return not caps & Capability.DENY and bool(caps & ~Capability.DENY)


def _check(
    perms: Permissions, operation: str, data: Mapping[str, object], wrap_ttl: float | None
) -> AuthResult:
    caps = perms.capabilities
    root_privs = bool(caps & Capability.SUDO)
    needed = OPERATION_CAPABILITY.get(operation)
    if needed is None or not caps & needed:
        reason = f"{operation!r} is not granted" if needed else f"unknown operation {operation!r}"
        return AuthResult(allowed=False, root_privs=root_privs, denied_reason=reason)

    def deny(reason: str) -> AuthResult:
        return AuthResult(allowed=False, root_privs=root_privs, denied_reason=reason)

    max_ttl, min_ttl = perms.max_wrapping_ttl, perms.min_wrapping_ttl
    if max_ttl > 0 and (wrap_ttl is None or wrap_ttl > max_ttl):
        return deny("wrapping TTL above max_wrapping_ttl")
    if min_ttl > 0 and (wrap_ttl is None or wrap_ttl < min_ttl):
        return deny("wrapping TTL below min_wrapping_ttl")
    if min_ttl != 0 and max_ttl != 0 and max_ttl < min_ttl:
        return deny("max_wrapping_ttl below min_wrapping_ttl")
    limit: str | None = None
    if operation in ("read", "update", "create", "patch"):
        problem = check_parameters(perms, data)
        if problem is not None:
            return deny(problem)
    elif operation in _LISTING:
        problem, limit = pagination(perms, data)
        if problem is not None:
            return deny(problem)
    return AuthResult(
        allowed=True,
        root_privs=root_privs,
        granting_policies=perms.granting_policies.get(needed, ()),
        mfa_methods=perms.mfa_methods,
        control_group=perms.control_group,
        response_keys_filter_path=perms.response_keys_filter_path if operation in _LISTING else "",
        limit=limit,
    )
