"""Refresh ahead of demand: a background task spends the refresh budget on the keys whose
turn has come (and on misses the budget refused, most wanted first), at the budget's
sustainable pace, instead of refreshing only after a visitor has been served stale data.
It never takes the subscription reserve (its calls are refreshes) and never exceeds a
window (the budget refuses what would)."""

from __future__ import annotations

import logging

from widget_server.cache import Cache
from widget_server.clock import Clock, sleep
from widget_server.feed.watcher import Watcher

log = logging.getLogger("widget_server.schedule")
TICK = 1.0
BURST = 3.0  # refreshes it may catch up at once after a quiet spell


class Scheduler:
    def __init__(self, cache: Cache, clock: Clock, watcher: Watcher | None = None) -> None:
        self._cache = cache
        self.watcher = watcher
        self._clock = clock
        self._tokens = 1.0
        self._last = clock()

    def tick(self) -> int:
        """Start the refreshes whose turn has come; how many."""
        now = self._clock()
        rate = self._cache.refresh_rate()
        self._tokens = min(BURST, self._tokens + rate * max(0.0, now - self._last))
        self._last = now
        picks = self._cache.due(now, int(self._tokens), lead=TICK)
        for key, fetch in picks:
            self._cache.refresh(key, fetch)
        self._tokens -= len(picks)
        return len(picks)

    async def step(self) -> None:
        """One turn: start what is due, take what other processes renewed (and the feed
        applied), let the feed watcher take its turn."""
        self.tick()
        await self._cache.follow_renewals()
        if self.watcher is not None:
            await self.watcher.step()

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:  # a bug here must not end refreshing for good
                log.exception("refresh scheduling failed")
            await sleep(self._clock, TICK)
