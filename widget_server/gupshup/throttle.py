"""The per-IP throttle of the docs: sliding windows of a minute, an hour and a day."""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass

from cachetools import LRUCache

from widget_server.clock import Clock
from widget_server.gupshup.errors import ApiError
from widget_server.protocol import WINDOWS
from widget_server.windows import SlidingWindows

MAX_CALLERS = 50_000


class ThrottleRefusal(ApiError):
    """Error 113: the call is not executed; `tag` says which window is full."""

    def __init__(self, tag: ThrottleTag) -> None:
        super().__init__(113, tag.window, tag.limit)
        self.tag = tag


@dataclass(frozen=True)
class ThrottleTag:
    window: str
    count: int
    warn: int
    limit: int

    def as_dict(self) -> dict[str, object]:
        return {"window": self.window, "count": self.count, "warn": self.warn,
                "limit": self.limit}


class Throttle:
    """Counts calls per key in sliding windows: a tag past a warn value, 113 at a limit.

    A refused call is not counted, so a caller recovers as soon as the window slides.
    """

    def __init__(self, warn: tuple[int, int, int], limit: tuple[int, int, int],
                 clock: Clock) -> None:
        self._warn = warn
        self._limit = limit
        self._clock = clock
        # Bounded, least recently seen first out: the bookkeeping of one call stays O(1)
        # however many addresses call.
        self._calls: LRUCache[str, list[float]] = LRUCache(MAX_CALLERS)
        self._lock = threading.Lock()

    def hit(self, key: str) -> ThrottleTag | None:
        """Record one call by `key`; raise ThrottleRefusal (113) if a limit is reached."""
        now = self._clock()
        with self._lock:
            calls = self._calls.get(key)
            if calls is None:
                calls = self._calls[key] = []
            del calls[: bisect_right(calls, now - WINDOWS[-1][1])]
            counts = [len(calls) - bisect_right(calls, now - length) for _, length in WINDOWS]
            for (name, _), count, warn, limit in zip(WINDOWS, counts, self._warn,
                                                     self._limit, strict=True):
                if count >= limit:
                    raise ThrottleRefusal(ThrottleTag(name, count, warn, limit))
            calls.append(now)
        return self._tag([c + 1 for c in counts])

    def _tag(self, counts: list[int]) -> ThrottleTag | None:
        passed = [
            (limit - count, i) for i, (count, warn, limit)
            in enumerate(zip(counts, self._warn, self._limit, strict=True)) if count > warn
        ]
        if not passed:
            return None
        _, i = min(passed)
        return ThrottleTag(WINDOWS[i][0], counts[i], self._warn[i], self._limit[i])


class SmsLimit:
    """At most as many SMS per calling address as the widget's own form allows (5 in ten
    minutes, 20 a day): the raw API must not be a cheaper way to send codes to strangers.
    Counted before the call; a refused call sends nothing and is not counted."""

    LIMITS = ((600.0, 5, "10-minute SMS"), (86400.0, 20, "daily SMS"))

    def __init__(self, clock: Clock) -> None:
        self._windows = SlidingWindows([(s, n) for s, n, _ in self.LIMITS], clock)

    def take(self, key: str, count: int) -> None:
        """Record `count` SMS for `key`, or raise ApiError(113) if that is too many."""
        refused = self._windows.take(key, count)
        if refused is not None:
            _, limit, name = self.LIMITS[refused[0]]
            raise ApiError(113, name, limit)
