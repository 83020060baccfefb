"""What the cache keeps for a key (`Entry`) and what it hands a view (`Served`).

Apart from the cache itself so that the state store, which saves entries (`state.codec`),
imports them without importing the cache, which uses the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from widget_server.freshness import Demand
from widget_server.upstream.errors import Throttled, Unavailable, UpstreamError

T = TypeVar("T")
Fetch = Callable[[], Awaitable[Any]]
"""One upstream call for a key, made when the key is missed or its turn has come."""


@dataclass(slots=True)
class Entry:
    """A key's last good value (kept through failures), its last error, and its views."""

    value: Any = None
    fetched: float = 0.0
    version: int = 0
    error: UpstreamError | None = None
    retry_at: float = 0.0  # no upstream attempt for this key before then
    demand: Demand = field(default_factory=Demand)  # its views, and how it changes
    fetch: Fetch | None = None  # how to refresh it unasked

    def took(self, value: Any, fetched: float) -> None:
        """A new value, fetched here or by another instance: a new version, no error."""
        if self.version:
            self.demand.refreshed(changed=value != self.value)
        self.value, self.fetched, self.error, self.retry_at = value, fetched, None, 0.0
        self.version += 1

    def failed(self, error: UpstreamError, retry_at: float) -> None:
        """The last good value stays; the error only says why it is stale."""
        self.error, self.retry_at = error.copy(), retry_at

    def seen(self, now: float, fetch: Fetch) -> None:
        """A visitor asked for it: one more view, and how to refresh it unasked."""
        self.demand.viewed(now)
        self.fetch = fetch


@dataclass(frozen=True)
class Served(Generic[T]):
    """A value as a view gets it, with how old it is and whether to say so."""

    value: T
    fetched: float
    stale: bool
    version: int
    fresh_for: float = field(default=0.0)
    interval: float = field(default=0.0)  # how long this key stays fresh nowadays
    # Stale because the upstream is failing (not because its refresh is simply due):
    # the only case in which visitors are told anything is wrong.
    failing: bool = field(default=False)

    @classmethod
    def of(cls, entry: Entry, interval: float, now: float,
           checked: float | None = None) -> Served[T]:
        """`checked`: when the data was last known current, if later than its fetch."""
        fresh_for = max(entry.fetched, checked or 0.0) + interval - now
        return cls(cast(T, entry.value), entry.fetched,
                   fresh_for <= 0 or entry.error is not None, entry.version,
                   max(0.0, fresh_for), interval,
                   isinstance(entry.error, Unavailable | Throttled))
