"""How often each key is refreshed: the budget's sustainable rate, shared by demand.

A view of key i finds its data half an interval old on average, so with view shares p_i
and refresh rates f_i the view-weighted age is sum(p_i / 2 f_i); for a fixed total rate it
is smallest when f_i is proportional to sqrt(p_i) (a Lagrange multiplier away; crawlers'
refresh policies reason the same way). On top of that:

- a key's view rate is measured with exponential decay, not counted since start;
- a key whose refreshes keep returning the same data backs off (its weight shrinks), and
  gets its share back as soon as a refresh brings something new;
- the hottest keys are held to `min_ttl`, and a floor keeps every active key refreshed at
  least every `FLOOR` uniform intervals, however rarely it is viewed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from widget_server import keys
from widget_server.clock import Clock
from widget_server.feed.status import FeedStatus

FLOOR = 3.0  # no active key older than this many uniform intervals
DECAY = 600.0  # seconds: the view-rate estimate's memory
# A key whose refreshes keep bringing the same data gives up some of its share, gently: a
# refresh that finds nothing new still tells visitors the data is current, so the age
# they see is what the budget is spent against (benchmarks/refresh_shares.py).
BACKOFF_AFTER = 3  # unchanged refreshes in a row before a key backs off
BACKOFF_STEP = 0.1
MAX_BACKOFF = 1.5


@dataclass(slots=True)
class Demand:
    """One key's view rate (views a second, decayed) and how its data has been changing."""

    rate: float = 0.0
    at: float = 0.0  # the last view
    views: int = 0
    unchanged: int = 0  # refreshes in a row that brought the same data

    def viewed(self, now: float, views: int = 1) -> None:
        self.rate = self.rate_at(now) + views / DECAY
        self.at = now
        self.views += views

    def rate_at(self, now: float) -> float:
        return self.rate * math.exp(-max(0.0, now - self.at) / DECAY)

    def refreshed(self, changed: bool) -> None:
        self.unchanged = 0 if changed else self.unchanged + 1

    def weight(self, now: float) -> float:
        backoff = 1.0 + BACKOFF_STEP * max(0, self.unchanged - BACKOFF_AFTER)
        return math.sqrt(self.rate_at(now)) / min(MAX_BACKOFF, backoff)


def intervals(weights: Mapping[str, float], rate: float, min_ttl: float) -> dict[str, float]:
    """Seconds between refreshes for each key, spending `rate` calls a second in all:
    proportional to the weights, within [min_ttl, FLOOR uniform intervals]."""
    if not weights:
        return {}
    uniform = len(weights) / rate
    high = 1.0 / min_ttl
    low = min(high, 1.0 / (FLOOR * uniform))  # the floor is never above min_ttl's pace
    fixed: dict[str, float] = {}
    free = dict(weights)
    for _ in range(len(weights)):  # water-filling: clamp, then share the rest again
        budget = rate - sum(fixed.values())
        total = sum(free.values())
        if not free or total <= 0 or budget <= 0:
            break
        shares = {k: budget * w / total for k, w in free.items()}
        clamped = {k: min(high, max(low, f)) for k, f in shares.items()
                   if f < low or f > high}
        if not clamped:
            fixed.update(shares)
            break
        fixed.update(clamped)
        for key in clamped:
            del free[key]
    for key in free:
        fixed.setdefault(key, low)
    return {key: 1.0 / max(f, low) for key, f in fixed.items()}  # low <= every f set


class Tracked(Protocol):
    """What the planner reads of a cache entry."""

    version: int
    fetched: float
    demand: Demand


class Planner:
    """Every key's refresh interval, from the entries a cache holds, worked out again at
    most once a second. Keys in use: data that visitors came back to within `horizon`
    seconds (a key asked for once, a made-up offset, takes no share). Keys the feed covers
    (`feed`) take no share: they are current as of its last poll, and its calls come off
    the rate first."""

    def __init__(self, clock: Clock, rate: Callable[[], float], min_ttl: float,
                 horizon: float, entries: Callable[[], Iterable[tuple[str, Tracked]]]) -> None:
        self._clock, self._rate, self._entries = clock, rate, entries
        self._min_ttl, self.horizon = min_ttl, horizon
        self._at = -1.0
        self._uniform = min_ttl
        self._plan: dict[str, float] = {}
        self.feed = FeedStatus()
        self.covered: set[str] = set()

    def plan(self) -> dict[str, float]:
        now = self._clock()
        if now - self._at >= 1.0:
            active = [(key, entry) for key, entry in self._entries()
                      if entry.version and entry.demand.views >= 2
                      and entry.demand.at >= now - self.horizon]
            self.covered = {key for key, entry in active
                            if self.feed.covers(key, entry.fetched, now)}
            weights = {key: entry.demand.weight(now) for key, entry in active
                       if key not in self.covered}
            rate = self.rate()
            self._uniform = max(self._min_ttl, max(1, len(weights)) / rate)
            self._plan, self._at = intervals(weights, rate, self._min_ttl), now
        return self._plan

    def uniform(self) -> float:
        """What a key gets if all were refreshed alike (and a key not in use gets)."""
        self.plan()
        return self._uniform

    def total_rate(self) -> float:
        """Calls a second all refreshes may spend, the feed's included."""
        return self._rate()

    def spread(self) -> float:
        """Σ √p over the view shares p of the first pages in use (0: none): how far
        per-key polling has to spread the budget (`feed.plan`)."""
        now = self._clock()
        rates = [entry.demand.rate_at(now) for key, entry in self._entries()
                 if entry.version and entry.demand.views >= 2 and keys.first_page(key)
                 and entry.demand.at >= now - self.horizon]
        total = sum(rates)
        return sum(math.sqrt(r / total) for r in rates) if total > 0 else 0.0

    def rate(self) -> float:
        """Calls a second for per-key refreshes: what the feed leaves (at least a tenth)."""
        total = self._rate()
        return max(total / 10, total - self.feed.rate)

    def interval(self, key: str) -> float:
        found = self.plan().get(key)
        if found is None and key in self.covered:
            return self.feed.interval
        return self.uniform() if found is None else found

    def checked(self, key: str, fetched: float) -> float:
        """When the key's data was last known current: its fetch, or the feed's last poll
        if the feed covers it."""
        return max(fetched, self.feed.checked) if key in self.covered else fetched
