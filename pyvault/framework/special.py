"""Vault's special-path patterns (unauthenticated paths, sudo paths).

``x/*`` (a trailing star) is a prefix; ``+`` stands for exactly one path segment;
anything else must match exactly. Unlike fnmatch, nothing here ever crosses a "/"
except the trailing star, so ``issuer/+/pem`` cannot match ``issuer/a/issue/pem``.
"""

from __future__ import annotations

from collections.abc import Iterable


def matches(path: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        head = pattern[:-1]
        if "+" not in head:
            return path.startswith(head)
        segments = head.split("/")
        parts = path.split("/", len(segments) - 1)
        if len(parts) < len(segments):
            return False
        return all((s == "+" and p != "") or s == p for s, p in zip(segments[:-1], parts[:-1],
                                                                    strict=True)) \
            and parts[-1].startswith(segments[-1])
    if "+" not in pattern:
        return path == pattern
    segments, parts = pattern.split("/"), path.split("/")
    return len(segments) == len(parts) and all(
        (s == "+" and p != "") or s == p for s, p in zip(segments, parts, strict=True)
    )


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    return any(matches(path, pattern) for pattern in patterns)
