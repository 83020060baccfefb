"""Live widgets: an open widget holds one Server-Sent Events stream and is told as soon as
this process holds a new version of its messages (fetched here, taken from another process
or applied by the feed); it then asks the JSON API, as its ETag poll does.

One task looks at the version of every key someone listens to, once a second: the cost
of N idle streams is N parked coroutines and one dictionary walk a second, whatever N.
Open streams count as views of their key (a widget left open keeps its group in use), and
they are bounded per process: beyond `WIDGET_LIVE_STREAMS` a widget is told to poll instead
(`benchmarks/live_idle.py`: about 48 KB and a ping every 25 s each).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from widget_server.cache import Cache
from widget_server.clock import Clock, sleep
from widget_server.metrics import Metrics

log = logging.getLogger("widget_server.live")
VIEW_EVERY = 60.0  # seconds of an open stream that count as one view of its key
TICK = 1.0


class LiveHub:
    def __init__(self, cache: Cache, clock: Clock, metrics: Metrics, limit: int) -> None:
        self._cache, self._clock, self._metrics = cache, clock, metrics
        self._listeners: dict[str, int] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self._versions: dict[str, int] = {}
        self._counted = clock()
        self.limit = limit

    @property
    def open(self) -> int:
        return sum(self._listeners.values())

    def full(self) -> bool:
        return self.open >= self.limit

    def version(self, key: str) -> int:
        entry = self._cache.entries.get(key)
        return entry.version if entry is not None else 0

    @contextlib.contextmanager
    def listening(self, key: str) -> Iterator[None]:
        self._listeners[key] = self._listeners.get(key, 0) + 1
        self._changed.setdefault(key, asyncio.Event())
        self._versions.setdefault(key, self.version(key))
        self._metrics.live_streams.set(self.open)
        try:
            yield
        finally:
            self._listeners[key] -= 1
            if not self._listeners[key]:
                del self._listeners[key], self._changed[key], self._versions[key]
            self._metrics.live_streams.set(self.open)

    async def changes(self, key: str) -> AsyncIterator[int]:
        """The key's new versions, as they come (held only while `listening`)."""
        while key in self._changed:
            await self._changed[key].wait()
            yield self._versions.get(key, 0)

    def look(self) -> None:
        """Wake the listeners of every key whose version moved; count open streams as
        views."""
        now = self._clock()
        count = now - self._counted >= VIEW_EVERY
        for key, listeners in self._listeners.items():
            version = self.version(key)
            if version != self._versions[key]:
                self._versions[key] = version
                self._changed[key].set()
                self._changed[key] = asyncio.Event()
            entry = self._cache.entries.get(key) if count else None
            if entry is not None:
                entry.demand.viewed(now, listeners)
        if count:
            self._counted = now

    async def run(self) -> None:
        while True:
            try:
                self.look()
            except Exception:  # a bug here must not end live updates for good
                log.exception("live widget updates failed")
            await sleep(self._clock, TICK)
