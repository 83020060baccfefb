"""What the views ask for, answered from the cache: group info, message pages, the public
stream. One fetch of 15 messages from `from` serves every smaller range."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Iterable
from typing import cast

from cachetools import LRUCache

from widget_server import keys
from widget_server.cache import Cache
from widget_server.entries import Fetch, Served
from widget_server.feed.pages import PAGE
from widget_server.upstream import models
from widget_server.upstream.caller import calling
from widget_server.upstream.client import UpstreamClient
from widget_server.upstream.models import Group, Message, Stream
from widget_server.upstream.priority import Use

MAX_FROM = 100_000
KNOWN_NAMES = 100_000
PUBLIC_READ = " public"  # among the known names (no group's name has a space): it was read


class GroupData:
    def __init__(self, client: UpstreamClient, cache: Cache, who: str | None = None,
                 known: LRUCache[str, bool] | None = None) -> None:
        self.client = client
        self.cache = cache
        self.who = who
        # Names read in some answer (a stream, an info): a first view of one of these
        # goes before a guess at a name never seen.
        self._known = LRUCache[str, bool](KNOWN_NAMES) if known is None else known

    def seen_by(self, who: str) -> GroupData:
        """The same data, asked for by one client (whose new fetches are limited)."""
        return GroupData(self.client, self.cache, who, self._known)

    def learn(self, messages: Iterable[Message], public: bool = False) -> None:
        """Names read in a stream (`public`: the public stream's, which names the groups
        that post)."""
        for message in messages:
            self._known[message.group.lower()] = True
        if public:
            self._known[PUBLIC_READ] = True

    def _use(self, group: str) -> Use:
        """A miss for `group` (asked only on a miss, never on the path that serves cached
        widgets): a first view if the name was read somewhere, else a guess.
        Until the public stream has been read (the feed's first poll, a second after the
        first view), no name is a guess: a fresh server's first readers are not."""
        held = self.cache.entries.get  # what another process fetched counts too
        known = group.lower() in self._known or PUBLIC_READ not in self._known \
            or held(keys.info(group)) is not None or held(keys.stream(group, 0)) is not None
        return "view" if known else "guess"

    def fetch_info(self, group: str) -> Fetch:
        async def fetch() -> Group:
            found = models.group(await self.client.get_info(group))
            self._known[found.name.lower()] = True  # read in an answer: known from now on
            return found
        return fetch

    def fetch_page(self, group: str | None, start: int, skip_adult: bool = False) -> Fetch:
        """A group's page from `start` (the public stream's, `group` None): always 15."""
        async def fetch() -> Stream:
            if group is None:
                return models.stream(await self.client.get_public_stream(start, PAGE,
                                                                         skip_adult))
            page = models.stream(await self.client.get_stream(group, start, PAGE))
            self.learn(page.messages)
            return page
        return fetch

    def fetcher(self, key: str) -> Fetch:
        """How to fetch a key of ours again (one the feed could not bring up to date)."""
        found = keys.page(key)
        if found is not None:
            return self.fetch_page(found.group, found.start, found.skip_adult)
        group = keys.info_group(key)
        if group is None:
            raise ValueError(f"not a key of ours: {key!r}")
        return self.fetch_info(group)

    async def info(self, group: str) -> Served[Group]:
        return await self.cache.get(keys.info(group), self.fetch_info(group), self.who,
                                    functools.partial(self._use, group))

    async def messages(self, group: str, start: int = 0, count: int = PAGE) -> Served[Stream]:
        past_end = self._past_end(group, start)
        if past_end is not None:
            return past_end
        page: Served[Stream] = await self.cache.get(
            keys.stream(group, start), self.fetch_page(group, start), self.who,
            functools.partial(self._use, group))
        return _sliced(page, count)

    async def renew(self, group: str, who: str | None = None) -> float | None:
        """Fetch the group's info and first page now, as the console on behalf of `who`
        (the group's owner): they have just posted, and the widgets should show it at
        once. None, or when the budget refused: in how many seconds they will be fetched."""
        with calling("console", who):
            waits = await asyncio.gather(
                self.cache.renew(keys.info(group), self.fetch_info(group)),
                self.cache.renew(keys.stream(group, 0), self.fetch_page(group, 0)))
        return max((w for w in waits if w is not None), default=None)

    def _first_page(self, group: str) -> Served[Stream] | None:
        """The group's first page as this process holds it, without a call or a view."""
        first: Served[Stream] | None = self.cache.peek(keys.stream(group, 0))
        return first

    def newest_held(self, group: str) -> models.Message | None:
        first = self._first_page(group)
        return first.value.messages[0] if first is not None and first.value.messages else None

    def _past_end(self, group: str, start: int) -> Served[Stream] | None:
        """An empty page, without a call, for an offset past the stream's known end."""
        first = self._first_page(group)
        if not start or first is None or first.value.total is None \
                or start < first.value.total:
            return None
        return dataclasses.replace(first, value=Stream((), first.value.total))

    async def public(self, start: int = 0, count: int = PAGE,
                     skip_adult: bool = True) -> Served[Stream]:
        page: Served[Stream] = await self.cache.get(
            keys.public(skip_adult, start), self.fetch_page(None, start, skip_adult),
            self.who)
        self.learn(page.value.messages, public=True)
        return _sliced(page, count)

    async def info_and_messages(self, group: str, start: int = 0, count: int = PAGE,
                                ) -> tuple[Served[Group], Served[Stream]]:
        """Both at once: on a miss, the two upstream calls run side by side."""
        results = await asyncio.gather(self.info(group), self.messages(group, start, count),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return cast(Served[Group], results[0]), cast(Served[Stream], results[1])


def _sliced(page: Served[Stream], count: int) -> Served[Stream]:
    if count >= len(page.value.messages):
        return page
    return dataclasses.replace(page, value=page.value.slice(count))
