"""The entries one process holds, and single flight: one upstream call at a time per key."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from cachetools import LRUCache

from widget_server.entries import Entry


class LocalEntries:
    """An LRU of entries, and the fetches under way. A fetch runs as a task of its own, so
    that a client going away cannot cancel it for the others waiting on the same key."""

    def __init__(self, maxsize: int) -> None:
        self._entries: LRUCache[str, Entry] = LRUCache(maxsize)
        self._inflight: dict[str, asyncio.Task[Entry]] = {}

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def keep(self, key: str, entry: Entry) -> None:
        self._entries[key] = entry

    def items(self) -> list[tuple[str, Entry]]:
        return list(self._entries.items())

    def clear(self) -> None:
        """Forget every entry (fetches under way go on)."""
        self._entries.clear()

    def busy(self, key: str) -> bool:
        """A fetch of `key` is under way."""
        return key in self._inflight

    def start(self, key: str, work: Callable[[], Awaitable[Entry]]) -> asyncio.Task[Entry]:
        """The fetch of `key` under way, or `work` started as one."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        return task

    async def drain(self) -> None:
        """Wait for the fetches under way (tests, shutdown)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._entries)
