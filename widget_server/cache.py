"""The response cache between visitors and the upstream budget.

Fresh entries are served as they are. Stale ones are served at once while one background
refresh runs, if the budget allows. An entry this process does not hold is first looked
for in the state store, where every good value is kept with its true fetch time: after a
restart, or from another worker, it is served at once (stale if it must be). Concurrent
misses of a key share one upstream call, run as a task of its own so that a client going
away cannot cancel it for the others. Errors are
kept briefly; the last good value is never replaced by one. How long an entry stays fresh
stretches with the number of keys visitors are looking at, so the budget is spread over them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from cachetools import LRUCache

from widget_server.clock import Clock
from widget_server.freshness import Demand, Planner
from widget_server.metrics import Metrics
from widget_server.outage import Outage
from widget_server.state.base import StoreDown
from widget_server.upstream.budget import Budget
from widget_server.upstream.errors import (
    ApiRefused,
    BudgetExhausted,
    Throttled,
    TooManyMisses,
    Unavailable,
    UpstreamError,
)
from widget_server.windows import SlidingWindows

log = logging.getLogger("widget_server.cache")
T = TypeVar("T")
UNAVAILABLE_RETRY = 10.0
WANTED = 10_000  # misses refused by the budget, remembered to be fetched by demand
RENEW_FIRST = 2**31  # a renewal the budget refused outranks any refused miss
RENEWED = "renewed"  # keys fetched out of turn, for the other processes to take at once
RENEWALS_KEPT = 100
RENEWALS_FOLLOWED = 60.0  # seconds: older renewals have been followed (or don't matter)


@dataclass(slots=True)
class Entry:
    value: Any = None
    fetched: float = 0.0
    version: int = 0
    error: UpstreamError | None = None
    retry_at: float = 0.0  # no upstream attempt for this key before then
    demand: Demand = field(default_factory=Demand)  # its views, and how it changes
    fetch: Callable[[], Awaitable[Any]] | None = None  # how to refresh it unasked

    def took(self, value: Any, fetched: float) -> None:
        """A new value, fetched here or by another instance: a new version, no error."""
        if self.version:
            self.demand.refreshed(changed=value != self.value)
        self.value, self.fetched, self.error, self.retry_at = value, fetched, None, 0.0
        self.version += 1


def _seen(entry: Entry, now: float, fetch: Callable[[], Awaitable[Any]]) -> None:
    """A visitor asked for it: one more view, and how to refresh it unasked."""
    entry.demand.viewed(now)
    entry.fetch = fetch


class SharedStore(Protocol):
    """Entries and fetch locks kept in the state store, shared by every process."""

    async def load(self, key: str) -> Entry | None: ...
    async def save(self, key: str, entry: Entry, error_ttl: float) -> None: ...
    async def lock(self, key: str, ttl: float) -> str | None: ...
    async def unlock(self, key: str, token: str) -> None: ...
    async def append(self, key: str, value: str, keep: int) -> None: ...
    async def recent(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Served(Generic[T]):
    value: T
    fetched: float
    stale: bool
    version: int
    fresh_for: float = field(default=0.0)
    interval: float = field(default=0.0)  # how long this key stays fresh nowadays
    # Stale because the upstream is failing (not because its refresh is simply due):
    # the only case in which visitors are told anything is wrong.
    failing: bool = field(default=False)


class Cache:
    """Keyed upstream results with TTLs that follow the budget."""

    def __init__(self, clock: Clock, budget: Budget, metrics: Metrics, *, maxsize: int,
                 min_ttl: float, error_ttl: float, active_horizon: float,
                 shared: SharedStore | None = None, lock_ttl: float = 15.0,
                 misses_per_client: int = 30) -> None:
        self._clock = clock
        self._shared = shared
        self._lock_ttl = lock_ttl
        self._budget = budget
        self._metrics = metrics
        self._store: LRUCache[str, Entry] = LRUCache(maxsize)
        self._inflight: dict[str, asyncio.Task[Entry]] = {}
        self._error_ttl = error_ttl
        self.planner = Planner(clock, budget.refresh_rate, min_ttl, active_horizon,
                               lambda: list(self._store.items()))
        self.scheduled = False  # a Scheduler refreshes ahead of demand: not stale hits
        self._wanted: LRUCache[str, tuple[int, Callable[[], Awaitable[Any]]]] = LRUCache(
            WANTED)
        self._outage = Outage(clock)
        # New fetches one client may cause: a widget page is two, a blog of groups a few.
        self._misses = SlidingWindows(
            [(60.0, misses_per_client), (3600.0, 10 * misses_per_client)], clock)

    async def get(self, key: str, fetch: Callable[[], Awaitable[T]],
                  who: str | None = None) -> Served[T]:
        """The key's data; `who` (the client) is held to so many new fetches."""
        now = self._clock()
        entry = self._store.get(key)
        if entry is None and self._shared is not None:
            entry = await self._recall(self._shared, key)
        if entry is not None:
            _seen(entry, now, fetch)
            if entry.version:
                return self._serve_cached(key, entry, fetch, now)
            if entry.error is not None and entry.retry_at > now:
                self._metrics.cache.labels(result="error").inc()
                raise entry.error.fresh()
        if who is not None and key not in self._inflight:
            refused = self._misses.take(who)
            if refused is not None:
                raise TooManyMisses(refused[1])
        self._metrics.cache.labels(result="miss").inc()
        entry = await asyncio.shield(self._start(key, fetch))
        _seen(entry, now, fetch)
        if not entry.version:
            if isinstance(entry.error, BudgetExhausted):  # fetched later, most wanted first
                count, _ = self._wanted.get(key, (0, fetch))
                self._wanted[key] = (count + 1, fetch)
            raise entry.error.fresh() if entry.error else Unavailable("no data")
        return self._served(key, entry, now)

    async def _recall(self, shared: SharedStore, key: str) -> Entry | None:
        """The stored entry of a key this process does not hold, if it is of use."""
        try:
            entry = await shared.load(key)
        except StoreDown:
            return None
        if entry is None or not (entry.version or entry.retry_at > self._clock()):
            return None
        self._store[key] = entry
        return entry

    def _serve_cached(self, key: str, entry: Entry, fetch: Callable[[], Awaitable[T]],
                      now: float) -> Served[T]:
        served: Served[T] = self._served(key, entry, now)
        if not served.stale:
            self._metrics.cache.labels(result="hit").inc()
            return served
        self._metrics.cache.labels(result="stale").inc()
        if entry.retry_at <= now and not self.scheduled:
            self._start(key, fetch)
        return served

    def _served(self, key: str, entry: Entry, now: float) -> Served[T]:
        interval = self.interval_for(key)
        fresh_for = entry.fetched + interval - now
        stale = fresh_for <= 0 or entry.error is not None
        failing = isinstance(entry.error, Unavailable | Throttled)
        return Served(cast(T, entry.value), entry.fetched, stale, entry.version,
                      max(0.0, fresh_for), interval, failing)

    def _start(self, key: str, fetch: Callable[[], Awaitable[T]]) -> asyncio.Task[Entry]:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._refresh(key, fetch))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        return task

    async def renew(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> float | None:
        """Fetch `key` now even if it is fresh: its data is known to have changed (the
        group's owner has just posted). The other processes are told, and take the new
        value at their next `follow_renewals`, not at the key's next turn. None, or (when
        the budget refused) in how many seconds it will be fetched, first in line."""
        entry = await self._refresh(key, fetch, renew=True)
        if isinstance(entry.error, BudgetExhausted):
            self._wanted[key] = (RENEW_FIRST, fetch)
            return entry.error.retry_after
        if entry.version and self._shared is not None:
            with contextlib.suppress(StoreDown):
                await self._shared.append(RENEWED, json.dumps([key, entry.fetched]),
                                          RENEWALS_KEPT)
        return None

    async def follow_renewals(self) -> None:
        """Take the values other processes renewed lately for keys this one holds."""
        if self._shared is None:
            return
        since = self._clock() - RENEWALS_FOLLOWED
        try:
            for raw in await self._shared.recent(RENEWED):
                key, fetched = json.loads(raw)
                entry = self._store.get(key)
                if entry is not None and since < fetched and entry.fetched < fetched:
                    self._adopt(key, entry, await self._shared.load(key))
        except (StoreDown, ValueError, TypeError):
            return  # the next tick tries again; the key's own turn comes anyway

    async def _refresh(self, key: str, fetch: Callable[[], Awaitable[T]],
                       renew: bool = False) -> Entry:
        entry = self._store.get(key) or Entry()
        if self._shared is None:
            await self._fetch(key, entry, fetch)
        else:
            try:
                await self._refresh_shared(self._shared, key, entry, fetch, renew)
            except StoreDown as error:  # no upstream call: serve what this process holds
                log.warning("state store unavailable for %s: %s", key, error)
                self._failed(entry, Unavailable("state store unavailable"), UNAVAILABLE_RETRY)
        if entry.version or not isinstance(entry.error, BudgetExhausted):
            # A miss refused by the budget leaves no entry: a flood of unknown names
            # cannot push the entries visitors use out of the cache.
            self._store[key] = entry
        return entry

    async def _refresh_shared(self, shared: SharedStore, key: str, entry: Entry,
                              fetch: Callable[[], Awaitable[T]], renew: bool) -> None:
        """Take another process's fresh entry if there is one (unless renewing); else
        fetch under the key's lock (outliving the upstream deadline) so only one process
        calls."""
        if not renew and self._adopt(key, entry, await shared.load(key)):
            return
        token = await shared.lock(key, self._lock_ttl)
        if token is None:
            await self._wait_for_other(shared, key, entry)
            return
        try:
            if not renew and self._adopt(key, entry, await shared.load(key)):
                return
            if await self._fetch(key, entry, fetch):  # what the upstream said, failures too
                with contextlib.suppress(StoreDown):  # it is served from memory anyway
                    await shared.save(key, entry, self._error_ttl)
        finally:
            with contextlib.suppress(StoreDown):  # the lock expires by itself
                await shared.unlock(key, token)

    async def _wait_for_other(self, shared: SharedStore, key: str, entry: Entry) -> None:
        deadline = self._clock() + self._lock_ttl
        while self._clock() < deadline:
            await asyncio.sleep(0.05)
            if self._adopt(key, entry, await shared.load(key)):
                return
        self._failed(entry, Unavailable("another instance is still fetching"), 1.0)

    def _adopt(self, key: str, entry: Entry, theirs: Entry | None) -> bool:
        """Copy a newer shared entry into ours; True if it spares an upstream call."""
        now = self._clock()
        if theirs is None:
            return False
        if theirs.value is not None and theirs.fetched > entry.fetched:
            entry.took(theirs.value, theirs.fetched)
            if theirs.fetched + self.interval_for(key) > now:
                return True
        if theirs.error is not None and theirs.retry_at > now:
            # Another process has just failed (or been refused) for this key: its answer is
            # ours, at once, rather than a call of our own or a wait for its lock.
            entry.error, entry.retry_at = theirs.error.fresh(), theirs.retry_at
            return True
        return False

    async def _fetch(self, key: str, entry: Entry, fetch: Callable[[], Awaitable[T]]) -> bool:
        """Fetch into `entry`; False if no call was made (an outage's pause, no budget)."""
        wait = self._outage.wait()
        if wait is not None:
            self._failed(entry, Unavailable("the upstream is failing"), wait)
            return False
        try:
            value = await fetch()
        except BudgetExhausted as error:
            self._outage.no_call()
            self._failed(entry, error, error.retry_after)
            return False
        except ApiRefused as error:
            self._answered()
            self._failed(entry, error, self._error_ttl)
        except Unavailable as error:
            log.warning("upstream unavailable for %s: %s", key, error)
            self._outage.failed()
            self._failed(entry, error, UNAVAILABLE_RETRY)
        except Exception as error:  # a bug must not leave waiters hanging or kill the loop
            log.exception("refresh of %s failed", key)
            self._outage.failed()
            self._failed(entry, Unavailable(type(error).__name__), UNAVAILABLE_RETRY)
        else:
            self._answered()
            if entry.version:
                changed = "yes" if value != entry.value else "no"
                self._metrics.refreshes.labels(changed=changed).inc()
            entry.took(value, self._clock())
        return True

    def _answered(self) -> None:
        if self._outage.answered():  # back after an outage: what failed refreshes at once
            for entry in list(self._store.values()):
                if isinstance(entry.error, Unavailable):
                    entry.retry_at = 0.0

    def _failed(self, entry: Entry, error: UpstreamError, retry_in: float) -> None:
        # The last good value stays; the error only says why it is stale.
        entry.error = error.fresh()
        entry.retry_at = self._clock() + retry_in

    def interval(self) -> float:
        """The uniform interval: what every key in use would get if all were alike."""
        return self.planner.uniform()

    def interval_for(self, key: str) -> float:
        """Seconds this key stays fresh: its share of the refreshes, by demand."""
        return self.planner.interval(key)

    def active_keys(self) -> int:
        return max(1, len(self.planner.plan()))

    def due(self, now: float, most: int,
            lead: float = 0.0) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
        """What to fetch next, at most `most`: the misses the budget refused, most wanted
        first (a cold start fills by demand), then the keys most overdue for a refresh
        (due `lead` seconds early, so that visitors find them fresh)."""
        plan = self.planner.plan()
        picks = [(key, fetch) for key, (_, fetch) in sorted(
            self._wanted.items(), key=lambda item: -item[1][0])][:most]
        for key, _ in picks:
            del self._wanted[key]
        overdue = []
        for key, interval in plan.items():
            entry = self._store.get(key)
            if entry is not None and entry.fetch is not None and key not in self._inflight \
                    and entry.retry_at <= now and entry.fetched + interval <= now + lead:
                overdue.append(((now - entry.fetched) / interval, key, entry.fetch))
        overdue.sort(reverse=True)
        return picks + [(key, fetch) for _, key, fetch in overdue[:most - len(picks)]]

    def refresh(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> None:
        self._start(key, fetch)

    def refresh_rate(self) -> float:
        return self._budget.refresh_rate()

    def peek(self, key: str) -> Served[Any] | None:
        """What this process holds for `key`, without counting a view or fetching."""
        entry = self._store.get(key)
        return self._served(key, entry, self._clock()) if entry and entry.version else None

    def __len__(self) -> int:
        return len(self._store)

    async def drain(self) -> None:
        """Wait for refreshes under way (tests, shutdown)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)
