"""Sliding-window counts per key in one process, for the most recently seen keys only (a
bounded LRU: O(1) bookkeeping however many keys there are). For limits that guard this
process's own work; what must outlive it or be shared lives in the state store."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence

from cachetools import LRUCache

from widget_server.clock import Clock

MAX_KEYS = 50_000


class SlidingWindows:
    def __init__(self, limits: Sequence[tuple[float, int]], clock: Clock,
                 max_keys: int = MAX_KEYS) -> None:
        self.limits = tuple(limits)  # (seconds, most events in any such window)
        self._clock = clock
        self._events: LRUCache[str, list[float]] = LRUCache(max_keys)
        self._lock = threading.Lock()  # the local GupShup counts from worker threads

    def take(self, key: str, count: int = 1) -> tuple[int, float] | None:
        """Record `count` events for `key`: None, or (which window is full, seconds until
        it has room) with nothing recorded."""
        now = self._clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                events = self._events[key] = []
            del events[: bisect_right(events, now - max(s for s, _ in self.limits))]
            for index, (seconds, limit) in enumerate(self.limits):
                inside = len(events) - bisect_right(events, now - seconds)
                if inside + count > limit:
                    oldest = events[len(events) - inside] if inside else now
                    return index, max(1.0, oldest + seconds - now)
            events.extend([now] * count)
        return None

    def __len__(self) -> int:
        return len(self._events)
