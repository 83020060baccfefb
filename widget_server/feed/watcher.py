"""The one feed watcher per state store.

Every process runs a `Watcher`; the one that holds the lease in the store (renewed every
second, `LEASE` seconds long) polls the public stream at the pace of its plan and applies
the new posts to the cached pages (`apply`), saving them to the store and announcing them,
so that the other processes take them within a second (`Cache.follow_renewals`). The others
read its status from the store. Processes that served a stream lately say so (`WANTED`):
with no one looking, no poll is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets

from widget_server.clock import Clock
from widget_server.feed.apply import Applier
from widget_server.feed.plan import plan
from widget_server.feed.reader import FeedReader
from widget_server.feed.status import FeedStatus
from widget_server.groups import GroupData
from widget_server.metrics import Metrics
from widget_server.state.base import StateStore, StoreDown
from widget_server.upstream import models
from widget_server.upstream.errors import BudgetExhausted, UpstreamError

log = logging.getLogger("widget_server.feed")
LEASE_KEY, STATUS, WANTED = "feed:watcher", "feed:status", "feed:wanted"
LEASE = 6.0  # a watcher that dies is replaced this long after its last renewal
WANTED_KEPT = 32  # reports of views kept: a second's worth from as many processes
WANTED_FOR = 5.0  # seconds a report of views counts
RATE_MEMORY = 600.0  # seconds: the post rate's estimate forgets older polls
FAILED_RETRY = 5.0  # seconds before a poll the upstream failed is tried again
CATCH_UP = 10  # pages a new watcher may read to meet where the last one left off


class Watcher:
    def __init__(self, data: GroupData, store: StateStore, clock: Clock,
                 metrics: Metrics) -> None:
        self._data, self._cache, self._store = data, data.cache, store
        self._clock, self._metrics = clock, metrics
        self._reader = FeedReader(self._page)
        self._applier = Applier(data)
        self._token = secrets.token_hex(8)
        self.leading = False
        self.status = FeedStatus()
        self._next = 0.0
        self._polled = 0.0
        self._poll: asyncio.Task[None] | None = None

    async def step(self) -> None:
        """Once a second: say whether this process has viewers, hold or seek the lease,
        poll when due (as a task of its own) or read the watcher's status."""
        now = self._clock()
        try:
            spread = self._cache.planner.spread()
            if spread > 0:
                await self._store.append(WANTED, json.dumps([now, spread]), WANTED_KEPT)
            leading = await self._store.lock(LEASE_KEY, LEASE, self._token) == self._token
        except StoreDown:
            leading = False
        if leading and not self.leading:
            log.info("this process now watches the public stream")
            await self._follow()  # and goes on from where the last watcher left off
            self._reader.resume(self.status.seen)
            self._next = now
        self.leading = leading
        if leading and (self._poll is None or self._poll.done()):
            self._poll = asyncio.ensure_future(self._run(now))  # plans; polls when due
        elif not leading:
            await self._follow()
        self._show()

    async def _follow(self) -> None:
        try:
            found = await self._store.recent(STATUS)
        except StoreDown:
            return
        status = FeedStatus.decode(found[0]) if found else None
        if status is not None:
            self.status = status
            self._cache.planner.feed = status

    async def _page(self, start: int) -> models.Stream:
        value: models.Stream = await self._cache.fetcher.value(
            f"feed:{start}", self._data.fetch_page(None, start, False))
        return value

    async def _spread(self, now: float) -> float:
        """The widest spread of views any process reported lately (0: no one looks)."""
        try:
            found = [json.loads(raw) for raw in await self._store.recent(WANTED)]
            return max((float(s) for at, s in found if float(at) >= now - WANTED_FOR),
                       default=0.0)
        except (StoreDown, ValueError, TypeError):
            return self._cache.planner.spread()

    async def _run(self, now: float) -> None:
        try:
            await self._poll_once(now)
        except Exception:  # a bug here must not end watching for good
            log.exception("feed poll failed")
            self._next = now + self.status.interval

    async def _poll_once(self, now: float) -> None:
        planned = plan(self._cache.planner.total_rate(), self.status.post_rate,
                       await self._spread(now))
        # Planned again every second (it costs no call): a switch to the feed polls at
        # once, a switch to per-key polling only probes the post rate now and then.
        if planned.mode != self.status.mode:
            self._next = now if planned.mode == "feed" else now + planned.interval
        replanned = self.status.planned(planned, self.status.post_rate)
        if replanned != self.status:
            self._publish(replanned)
        if planned.mode == "idle" or now < self._next:
            return
        self._next = now + planned.interval
        try:  # a watcher that takes over may have more to catch up on
            batch = await self._reader.poll(planned.pages if self._polled else CATCH_UP)
        except (BudgetExhausted, UpstreamError) as error:
            self._metrics.feed_polls.labels(outcome="failed").inc()
            wait = error.retry_after if isinstance(error, BudgetExhausted) else FAILED_RETRY
            self._next = now + min(planned.interval, wait)
            return
        rate = self._rate(now, batch.posts, batch.first, batch.complete)
        # Missed posts (a gap, or the first poll) leave out what was fetched before the
        # poll's reach: those keys are refreshed the ordinary way.
        since = min(self.status.since, batch.reach) if batch.complete else batch.reach
        if not batch.complete:
            log.info("the feed read %d pages without meeting what it had read: keys fetched "
                     "before %.0f are refreshed the ordinary way", batch.pages, since)
        await self._applier.apply(batch.posts, batch.first, now, since)
        self._metrics.feed_posts.inc(len(batch.posts))
        self._metrics.feed_polls.labels(outcome="complete" if batch.complete else "gap").inc()
        self._publish(FeedStatus(since=since, checked=now, seen=self._reader.newest())
                      .planned(planned, rate))
        await self._applier.recheck()

    def _rate(self, now: float, posts: list[models.Message], first: models.Stream,
              complete: bool) -> float:
        """Posts a second: from the posts counted since the last poll when the count is
        whole, else from the times on the first page."""
        elapsed = now - self._polled if self._polled else 0.0
        self._polled = now
        if complete and elapsed > 0:
            measured = len(posts) / elapsed
        elif len(first.messages) >= 2:
            span = (first.messages[0].time - first.messages[-1].time).total_seconds()
            measured = (len(first.messages) - 1) / max(span, 1.0)
        else:
            return self.status.post_rate
        weight = min(1.0, elapsed / RATE_MEMORY) if elapsed else 1.0
        return self.status.post_rate + weight * (measured - self.status.post_rate)

    def _publish(self, status: FeedStatus) -> None:
        self.status = status
        self._cache.planner.feed = status
        task = asyncio.ensure_future(self._store.append(STATUS, status.encode(), 1))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    def _show(self) -> None:
        for mode in ("idle", "feed", "keys"):
            self._metrics.feed_mode.labels(mode=mode).set(int(self.status.mode == mode))
        self._metrics.feed_post_rate.set(self.status.post_rate)
        self._metrics.feed_watcher.set(int(self.leading))

    async def drain(self) -> None:
        """Wait for a poll under way (tests, shutdown)."""
        if self._poll is not None:
            await asyncio.gather(self._poll, return_exceptions=True)
            await self._cache.drain()

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        if self.leading:  # the next watcher need not wait for the lease to run out
            with contextlib.suppress(StoreDown):
                await self._store.unlock(LEASE_KEY, self._token)
