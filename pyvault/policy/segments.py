"""Segment-wildcard rules (``a/+/b``, ``a/+/b*``) in a trie keyed by path segment.

Vault tries every ``+`` rule against the path and sorts the matches by
priority. The priority of a rule depends only on its pattern, so it is
computed once; a lookup walks the trie (literal child and ``+`` child) and
keeps the best match, touching only rules that share the path's segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Priority", "SegmentTrie", "prefix_priority", "segment_priority"]

T = TypeVar("T")

#: (first ``+``/``*`` byte offset, not a prefix, -number of ``+``, byte length, pattern):
#: the larger tuple wins, which is Vault's order for non-exact matches.
Priority = tuple[int, bool, int, int, str]


def segment_priority(pattern: str) -> Priority:
    is_prefix = pattern.endswith("*")
    wc_path = pattern[:-1] if is_prefix else pattern
    wildcards = sum(1 for part in wc_path.split("/") if part == "+")
    return (pattern.encode().find(b"+"), not is_prefix, -wildcards, len(wc_path.encode()), wc_path)


def prefix_priority(prefix: str) -> Priority:
    """The priority of a plain ``prefix*`` rule competing with segment rules."""
    size = len(prefix.encode())
    return (size, False, 0, size, prefix)


@dataclass
class _Node(Generic[T]):
    children: dict[str, _Node[T]] = field(default_factory=dict)
    plus: _Node[T] | None = None
    terminal: tuple[Priority, T] | None = None
    # prefix rules whose last segment is matched with startswith
    fragments: list[tuple[str, Priority, T]] = field(default_factory=list)

    def child(self, part: str) -> _Node[T]:
        if part == "+":
            if self.plus is None:
                self.plus = _Node()
            return self.plus
        node = self.children.get(part)
        if node is None:
            node = self.children[part] = _Node()
        return node


class SegmentTrie(Generic[T]):
    """Maps segment-wildcard patterns to values; finds the best match for a path."""

    __slots__ = ("_root", "_size")

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, pattern: str, value: T) -> None:
        priority = segment_priority(pattern)
        is_prefix = pattern.endswith("*")
        parts = (pattern[:-1] if is_prefix else pattern).split("/")
        node = self._root
        for part in parts[:-1] if is_prefix else parts:
            node = node.child(part)
        if is_prefix:
            node.fragments.append((parts[-1], priority, value))
        else:
            node.terminal = (priority, value)
        self._size += 1

    def best(self, path: str) -> tuple[Priority, T] | None:
        """The highest-priority match for ``path``, with its priority."""
        parts = path.split("/")
        count = len(parts)
        best: tuple[Priority, T] | None = None
        stack: list[tuple[_Node[T], int]] = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            if depth < count:
                given = parts[depth]
                for fragment, priority, value in node.fragments:
                    if (fragment == "+" or given.startswith(fragment)) and (
                        best is None or priority > best[0]
                    ):
                        best = (priority, value)
                literal = node.children.get(given)
                if literal is not None:
                    stack.append((literal, depth + 1))
                if node.plus is not None:
                    stack.append((node.plus, depth + 1))
            elif node.terminal is not None and (best is None or node.terminal[0] > best[0]):
                best = node.terminal
        return best
