"""The cache as the views and the scheduler use it: local entries first, then the state
store, then one upstream call; stale data served at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from widget_server.cache.fetcher import UNAVAILABLE_RETRY, Fetcher
from widget_server.cache.local import LocalEntries
from widget_server.cache.queue import RefreshQueue
from widget_server.cache.shared import SharedEntries
from widget_server.clock import Clock
from widget_server.entries import Entry, Fetch, Served
from widget_server.freshness import Planner
from widget_server.metrics import Metrics
from widget_server.state.base import StateStore
from widget_server.upstream.budget import Budget
from widget_server.upstream.caller import calling
from widget_server.upstream.errors import BudgetExhausted, TooManyMisses, Unavailable
from widget_server.upstream.priority import Use

T = TypeVar("T")


class Cache:
    """Keyed upstream results with TTLs that follow the budget.

    `scheduled`: a `Scheduler` refreshes stale keys ahead of demand (what `create_app`
    runs); without one, a stale hit starts the key's refresh itself."""

    def __init__(self, clock: Clock, budget: Budget, metrics: Metrics, *, maxsize: int,
                 min_ttl: float, error_ttl: float, active_horizon: float,
                 shared: StateStore | None = None, lock_ttl: float = 15.0,
                 scheduled: bool = False) -> None:
        self._clock = clock
        self._budget = budget
        self._metrics = metrics
        self.scheduled = scheduled
        self.entries = LocalEntries(maxsize)
        self.planner = Planner(clock, budget.refresh_rate, min_ttl, active_horizon,
                               self.entries.items)
        self._queue = RefreshQueue(self.entries, self.planner.plan)
        self.fetcher = Fetcher(clock, metrics, error_ttl, self._retry_failed)
        self.shared = None if shared is None else SharedEntries(
            shared, clock, self.fetcher, lock_ttl, self.interval_for)

    async def get(self, key: str, fetch: Callable[[], Awaitable[T]], who: str | None = None,
                  use_of: Callable[[], Use] = lambda: "view") -> Served[T]:
        """The key's data; a miss (only) is fetched as `use_of()`, a first view or a guess,
        on behalf of `who`, the client, within its share of that use."""
        now = self._clock()
        entry = await self.held(key)
        if entry is not None:
            entry.seen(now, fetch)
            if entry.version:
                return self._serve_cached(key, entry, fetch, now)
            if entry.error is not None and entry.retry_at > now:
                self._metrics.cache.labels(result="error").inc()
                raise entry.error.copy()
        self._metrics.cache.labels(result="miss").inc()
        use = use_of()
        with calling(use, who):  # the fetch's task is the caller's (joined: the first's)
            task = self._start(key, fetch)
        entry = await asyncio.shield(task)
        entry.seen(now, fetch)
        if not entry.version:
            if isinstance(entry.error, BudgetExhausted) or (
                    use == "view" and isinstance(entry.error, TooManyMisses)):
                # Fetched later in the background, most wanted first: a reader past its
                # share finds a real group's widget there when it asks again.
                self._queue.want(key, fetch)
            raise entry.error.copy() if entry.error else Unavailable("no data")
        return self._served(key, entry, now)

    async def revise(self, key: str, value: Any, at: float) -> None:
        """A key's new value learnt at `at` without a call of its own (the feed): kept
        here and in the state store, and announced to the other processes."""
        entry = await self.held(key)
        if entry is None or not entry.version:
            return
        entry.took(value, at)
        if self.shared is not None:
            await self.shared.publish(key, entry)

    async def held(self, key: str) -> Entry | None:
        """What this process holds for `key`, or else what the state store does."""
        entry = self.entries.get(key)
        if entry is None and self.shared is not None:
            entry = await self.shared.recall(key)
            if entry is not None:
                self.entries.keep(key, entry)
        return entry

    def _serve_cached(self, key: str, entry: Entry, fetch: Fetch, now: float) -> Served[T]:
        served: Served[T] = self._served(key, entry, now)
        self._metrics.cache.labels(result="stale" if served.stale else "hit").inc()
        if served.stale and entry.retry_at <= now and not self.scheduled:
            self._start(key, fetch)
        return served

    def _served(self, key: str, entry: Entry, now: float) -> Served[Any]:
        return Served.of(entry, self.interval_for(key), now,
                         self.planner.checked(key, entry.fetched))

    def _start(self, key: str, fetch: Fetch, renew: bool = False) -> asyncio.Task[Entry]:
        return self.entries.start(key, lambda: self._refresh(key, fetch, renew))

    async def renew(self, key: str, fetch: Fetch) -> float | None:
        """Fetch `key` now even if it is fresh: its data is known to have changed (the
        group's owner has just posted). The other processes are told, and take the new
        value at their next `follow_renewals`, not at the key's next turn. None, or (when
        the budget refused) in how many seconds it will be fetched, first in line."""
        entry = await self._refresh(key, fetch, renew=True)
        if isinstance(entry.error, BudgetExhausted | TooManyMisses):
            self._queue.first(key, fetch)
            return entry.error.retry_after
        if entry.version and self.shared is not None:
            await self.shared.announce(key, entry.fetched)
        return None

    async def follow_renewals(self) -> None:
        """Take the values other processes renewed lately for keys this one holds."""
        if self.shared is not None:
            await self.shared.follow(self.entries)

    async def _refresh(self, key: str, fetch: Fetch, renew: bool = False) -> Entry:
        entry = self.entries.get(key) or Entry()
        if self.shared is None:
            await self.fetcher.fetch(key, entry, fetch)
        else:
            await self.shared.refresh(key, entry, fetch, renew)
        if entry.version or not isinstance(entry.error, BudgetExhausted | TooManyMisses):
            # A miss refused by the budget leaves no entry: a flood of unknown names
            # cannot push the entries visitors use out of the cache.
            self.entries.keep(key, entry)
        return entry

    def _retry_failed(self) -> None:
        """Back after an outage: whatever it left failing or overdue goes first in the
        scheduler's line (or, with no scheduler, is refreshed at its next view)."""
        now = self._clock()
        for key, entry in self.entries.items():
            failed = isinstance(entry.error, Unavailable)
            if failed:
                entry.retry_at = 0.0
            if entry.fetch is not None and (
                    failed or entry.fetched + self.interval_for(key) <= now):
                self._queue.first(key, entry.fetch)

    def interval_for(self, key: str) -> float:
        """Seconds this key stays fresh: its share of the refreshes, by demand."""
        return self.planner.interval(key)

    def due(self, now: float, most: int, lead: float = 0.0) -> list[tuple[str, Fetch]]:
        return self._queue.due(now, most, lead)

    def refresh(self, key: str, fetch: Fetch) -> None:
        self._start(key, fetch)

    def refresh_rate(self) -> float:
        """Per-key refreshes a second: the budget's sustainable rate less the feed's."""
        return self.planner.rate()

    def peek(self, key: str) -> Served[Any] | None:
        """What this process holds for `key`, without counting a view or fetching."""
        entry = self.entries.get(key)
        return self._served(key, entry, self._clock()) if entry and entry.version else None

    def __len__(self) -> int:
        return len(self.entries)

    async def drain(self) -> None:
        """Wait for refreshes under way (tests, shutdown)."""
        await self.entries.drain()


__all__ = ["UNAVAILABLE_RETRY", "Cache", "Entry", "Served"]
