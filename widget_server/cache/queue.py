"""What to fetch next, for the scheduler: the misses the budget refused, most wanted first
(a cold start fills by demand), then the keys most overdue for a refresh."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cachetools import LRUCache

from widget_server.cache.local import LocalEntries
from widget_server.entries import Fetch

WANTED = 10_000  # misses refused by the budget, remembered to be fetched by demand
RENEW_FIRST = 2**31  # a renewal the budget refused outranks any refused miss


class RefreshQueue:
    def __init__(self, entries: LocalEntries, plan: Callable[[], Mapping[str, float]]) -> None:
        self._entries = entries
        self._plan = plan
        self._wanted: LRUCache[str, tuple[int, Fetch]] = LRUCache(WANTED)

    def want(self, key: str, fetch: Fetch) -> None:
        """A miss the budget refused: one more visitor wants it."""
        count, _ = self._wanted.get(key, (0, fetch))
        self._wanted[key] = (count + 1, fetch)

    def first(self, key: str, fetch: Fetch) -> None:
        """A renewal the budget refused: first in line."""
        self._wanted[key] = (RENEW_FIRST, fetch)

    def due(self, now: float, most: int, lead: float = 0.0) -> list[tuple[str, Fetch]]:
        """At most `most` keys to fetch (and whatever is first in line): the wanted ones,
        then the keys most overdue for a refresh (due `lead` seconds early, so that
        visitors find them fresh)."""
        ranked = sorted(self._wanted.items(), key=lambda item: -item[1][0])
        first = sum(1 for _, (rank, _) in ranked if rank >= RENEW_FIRST)
        # What is first in line goes now whatever the pace (the budget still admits each
        # call): a renewal the owner waits for, the keys an outage left failing.
        picks = [(key, fetch) for key, (_, fetch) in ranked][:max(most, first)]
        for key, _ in picks:
            del self._wanted[key]
        overdue = []
        for key, interval in self._plan().items():
            entry = self._entries.get(key)
            if entry is not None and entry.fetch is not None and not self._entries.busy(key) \
                    and entry.retry_at <= now and entry.fetched + interval <= now + lead:
                overdue.append(((now - entry.fetched) / interval, key, entry.fetch))
        overdue.sort(reverse=True)
        return picks + [(key, fetch) for _, key, fetch in overdue[:most - len(picks)]]
