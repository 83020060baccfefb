"""New public posts applied to what is cached: each group's first page gets them on top,
its later pages shift, its info counts them; the public stream's pages likewise (adult
groups' posts only where they are asked for). A key whose data was fetched before the
feed's unbroken watch began is left to its ordinary refresh; one whose posts cannot be
placed for certain is fetched again at once (`recheck`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from widget_server import keys
from widget_server.feed.pages import info_after, placed, prepend, shifted
from widget_server.groups import GroupData
from widget_server.upstream.models import Group, Message, Stream


class Applier:
    def __init__(self, data: GroupData) -> None:
        self._data = data
        self._cache = data.cache
        self._doubts: set[str] = set()

    async def apply(self, posts: Sequence[Message], first: Stream, now: float,
                    since: float) -> None:
        """Apply one complete poll's new posts (newest first)."""
        self._data.learn([*first.messages, *posts], public=True)  # first views, not guesses
        await self.first(first, now)
        await self._prepend(None, [m for m in posts if not m.adult], now, since, True)
        by_group: dict[str, list[Message]] = {}
        for message in posts:
            by_group.setdefault(message.group.lower(), []).append(
                dataclasses.replace(message, adult=False))  # as the group's stream says
        for group, new in by_group.items():
            await self._prepend(group, new, now, since)

    async def first(self, first: Stream, now: float) -> None:
        """The public stream's first page with adult groups: the poll's own first page."""
        key = keys.public(False, 0)
        entry = await self._cache.held(key)
        if entry is not None and entry.version and entry.value != first:
            await self._cache.revise(key, first, now)

    async def _prepend(self, group: str | None, posts: list[Message], now: float,
                       since: float, skip_adult: bool = False) -> None:
        key = keys.stream(group, 0) if group is not None else keys.public(skip_adult, 0)
        entry = await self._cache.held(key)
        if not posts or entry is None or not entry.version or entry.fetched < since:
            return  # nothing cached, or not watched since its fetch: its refresh will do
        old: Stream = entry.value
        new = placed(old, posts)
        if new is None:
            self._doubts.add(key)
            return
        if not new:
            return
        await self._shift_later_pages(group, skip_adult, old, len(new), now)
        await self._cache.revise(key, prepend(old, new), now)
        if group is not None:
            await self._count(group, new, now)

    async def _shift_later_pages(self, group: str | None, skip_adult: bool, first: Stream,
                                 new: int, now: float) -> None:
        """The pages from later offsets this process holds, moved down by `new`."""
        held: dict[int, Stream] = {0: first}
        for key, entry in self._cache.entries.items():
            page = keys.page(key)
            if page is not None and page.start and entry.version and \
                    page.group == group and page.skip_adult == skip_adult:
                held[page.start] = entry.value
        for start in sorted(held, reverse=True)[:-1]:
            key = keys.stream(group, start) if group is not None \
                else keys.public(skip_adult, start)
            moved = shifted(held, start, new)
            if moved is None:
                self._doubts.add(key)
            else:
                await self._cache.revise(key, moved, now)

    async def _count(self, group: str, new: list[Message], now: float) -> None:
        key = keys.info(group)
        entry = await self._cache.held(key)
        if entry is not None and entry.version:
            info: Group = entry.value
            await self._cache.revise(key, info_after(info, new), now)

    async def recheck(self) -> None:
        """Fetch again, first in line, the keys whose posts could not be placed."""
        doubts, self._doubts = self._doubts, set()
        for key in sorted(doubts):
            await self._cache.renew(key, self._data.fetcher(key))
