"""The cache's side in the state store: every good value kept there with its true fetch
time, a lock per key so that one process calls for all, and a list of the keys renewed out
of turn so that the other processes take them at once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from widget_server.cache.fetcher import Fetcher
from widget_server.cache.local import LocalEntries
from widget_server.clock import Clock
from widget_server.entries import Entry, Fetch
from widget_server.state.base import StateStore, StoreDown
from widget_server.upstream.errors import SiteTrouble, Unavailable

log = logging.getLogger("widget_server.cache")
RENEWED = "renewed"  # keys fetched out of turn, for the other processes to take at once
RENEWALS_KEPT = 100
RENEWALS_FOLLOWED = 60.0  # seconds: older renewals have been followed (or don't matter)
WAIT_STEP = 0.05


class SharedEntries:
    """Entries and fetch locks in the state store, shared by every process on it."""

    def __init__(self, store: StateStore, clock: Clock, fetcher: Fetcher, lock_ttl: float,
                 interval_for: Callable[[str], float]) -> None:
        self.store = store
        self._clock = clock
        self._fetcher = fetcher
        self._lock_ttl = lock_ttl  # outlives the upstream deadline
        self._interval_for = interval_for

    async def recall(self, key: str) -> Entry | None:
        """The stored entry of a key this process does not hold, if it is of use."""
        try:
            entry = await self.store.load(key)
        except StoreDown:
            return None
        if entry is None or not (entry.version or entry.retry_at > self._clock()):
            return None
        return entry

    async def refresh(self, key: str, entry: Entry, fetch: Fetch, renew: bool) -> None:
        """Into `entry`: another process's fresh entry if there is one (unless renewing),
        else one fetch under the key's lock. A store that is down makes no call."""
        try:
            await self._refresh(key, entry, fetch, renew)
        except StoreDown as error:  # no upstream call: serve what this process holds
            log.warning("state store unavailable for %s: %s", key, error)
            self._fetcher.store_failed(entry, SiteTrouble("state store unavailable"))

    async def _refresh(self, key: str, entry: Entry, fetch: Fetch, renew: bool) -> None:
        if not renew and self.adopt(key, entry, await self.store.load(key)):
            return
        token = await self.store.lock(key, self._lock_ttl)
        if token is None:
            await self._wait_for_other(key, entry)
            return
        try:
            if not renew and self.adopt(key, entry, await self.store.load(key)):
                return
            if await self._fetcher.fetch(key, entry, fetch):  # failures are said too
                await self.save(key, entry)
        finally:
            with contextlib.suppress(StoreDown):  # the lock expires by itself
                await self.store.unlock(key, token)

    async def _wait_for_other(self, key: str, entry: Entry) -> None:
        # The other process's call takes real time, whatever clock the budget keeps.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_ttl
        while loop.time() < deadline:
            await asyncio.sleep(WAIT_STEP)
            if self.adopt(key, entry, await self.store.load(key)):
                return
        self._fetcher.fail(entry, Unavailable("another instance is still fetching"), 1.0)

    def adopt(self, key: str, entry: Entry, theirs: Entry | None) -> bool:
        """Copy a newer stored entry into ours; True if it spares an upstream call."""
        now = self._clock()
        if theirs is None:
            return False
        if theirs.value is not None and theirs.fetched > entry.fetched:
            entry.took(theirs.value, theirs.fetched)
            if theirs.fetched + self._interval_for(key) > now:
                return True
        if theirs.error is not None and theirs.retry_at > now:
            # Another process has just failed (or been refused) for this key: its answer is
            # ours, at once, rather than a call of our own or a wait for its lock.
            entry.failed(theirs.error, theirs.retry_at)
            return True
        return False

    async def announce(self, key: str, fetched: float) -> None:
        """Tell the other processes that `key` was renewed out of turn."""
        with contextlib.suppress(StoreDown):
            await self.store.append(RENEWED, json.dumps([key, fetched]), RENEWALS_KEPT)

    async def publish(self, key: str, entry: Entry) -> None:
        """A value learnt without a call (the feed): stored, and announced."""
        await self.save(key, entry)
        await self.announce(key, entry.fetched)

    async def follow(self, entries: LocalEntries) -> None:
        """Take the values other processes renewed lately for keys this one holds."""
        for key, fetched in await self.renewed():
            entry = entries.get(key)
            if entry is not None and entry.fetched < fetched:
                self.adopt(key, entry, await self.load(key))

    async def renewed(self) -> list[tuple[str, float]]:
        """The keys renewed lately, with their fetch times (nothing while the store is
        down: the next tick tries again, and each key's own turn comes anyway)."""
        since = self._clock() - RENEWALS_FOLLOWED
        try:
            pairs = [json.loads(raw) for raw in await self.store.recent(RENEWED)]
            return [(str(key), float(at)) for key, at in pairs if at > since]
        except (StoreDown, ValueError, TypeError):
            return []

    async def save(self, key: str, entry: Entry) -> None:
        with contextlib.suppress(StoreDown):  # it is served from memory anyway
            await self.store.save(key, entry, self._fetcher.error_ttl)

    async def load(self, key: str) -> Entry | None:
        try:
            return await self.store.load(key)
        except StoreDown:
            return None
