"""The per-IP throttle of the docs: sliding windows of a minute, an hour and a day."""

from __future__ import annotations

from dataclasses import dataclass

from widget_server.clock import Clock
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.limits import StoredWindows
from widget_server.gupshup.store import Database
from widget_server.protocol import WINDOWS


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
    """Counts calls per key in sliding windows (in the local GupShup's file, so every
    process serving it counts alike): a tag past a warn value, 113 at a limit. A refused
    call is not counted, so a caller recovers as soon as the window slides."""

    def __init__(self, db: Database, warn: tuple[int, int, int], limit: tuple[int, int, int],
                 clock: Clock) -> None:
        self._warn = warn
        self._limit = limit
        self._windows = StoredWindows(db, clock, "calls", [
            (seconds, n) for (_, seconds), n in zip(WINDOWS, limit, strict=True)])

    def hit(self, key: str) -> ThrottleTag | None:
        """Record one call by `key`; raise ThrottleRefusal (113) if a limit is reached."""
        refused, counts = self._windows.take(key)
        if refused is not None:
            raise ThrottleRefusal(ThrottleTag(WINDOWS[refused][0], counts[refused],
                                              self._warn[refused], self._limit[refused]))
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
