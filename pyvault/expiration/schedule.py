"""When each lease is due: a min-heap with lazy deletion, so rescheduling is O(log n)."""

from __future__ import annotations

import heapq


class LeaseSchedule:
    """Lease ids ordered by the time they are due; stale heap items are skipped."""

    __slots__ = ("_due", "_heap")

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._due: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, lease_id: object) -> bool:
        return lease_id in self._due

    def due_time(self, lease_id: str) -> float | None:
        return self._due.get(lease_id)

    def set(self, lease_id: str, when: float) -> bool:
        """Schedule (or move) ``lease_id``; True when it became the earliest."""
        self._due[lease_id] = when
        heapq.heappush(self._heap, (when, lease_id))
        return self._heap[0] == (when, lease_id)

    def discard(self, lease_id: str) -> None:
        self._due.pop(lease_id, None)

    def next_time(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> str | None:
        """The earliest lease due at ``now``, removed from the schedule; else None."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        _, lease_id = heapq.heappop(self._heap)
        del self._due[lease_id]
        return lease_id

    def clear(self) -> None:
        self._heap.clear()
        self._due.clear()

    def _drop_stale(self) -> None:
        heap, due = self._heap, self._due
        while heap and due.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
