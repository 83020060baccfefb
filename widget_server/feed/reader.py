"""Paging back through the public stream until it meets what was already read.

A poll reads `from=0`, then `from=15`, … until a page holds a message seen before (by id)
or the stream ends. Posts that arrive between two pages push the messages down, so a page
may repeat some of the previous one: ids are read once. A poll that runs out of pages
before it overlaps has missed posts it cannot name: it says so (`complete=False`) and the
caller refreshes the ordinary way instead of guessing."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from widget_server.feed.pages import PAGE
from widget_server.upstream.errors import BudgetExhausted
from widget_server.upstream.models import Message, Stream

SEEN_KEPT = 20 * PAGE  # ids remembered: enough to overlap after a few pages of news


SKEW = 2.0  # seconds the upstream's clock may be behind ours


@dataclass(frozen=True)
class Batch:
    """What one poll learnt: the new posts, newest first; whether nothing was missed since
    the last poll; the first page as read (the public stream's own first page); `reach`:
    every post made since then is among the posts read (-inf: the stream's end was read)."""

    posts: list[Message]
    complete: bool
    pages: int
    first: Stream
    reach: float


class FeedReader:
    def __init__(self, read: Callable[[int], Awaitable[Stream]]) -> None:
        self._read = read  # a page of the public stream, adult groups included, from `from`
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._started = False

    async def poll(self, most_pages: int) -> Batch:
        """Read pages until one overlaps what was seen, or `most_pages` were read. The
        first poll has nothing to overlap: what it read is where watching starts."""
        baseline = not self._started
        posts: list[Message] = []
        first: Stream | None = None
        overlaps = ended = False
        pages = 0
        oldest = math.inf
        refused = False
        while pages < max(1, most_pages) and not (overlaps or ended or refused):
            try:
                page = await self._read(pages * PAGE)
            except BudgetExhausted:
                if not pages:
                    raise
                refused = True  # what was read is kept: the rest is a gap, not a loss
                break
            pages += 1
            first = first or page
            overlaps = any(m.id in self._seen for m in page.messages)
            ended = len(page.messages) < PAGE
            oldest = min([oldest] + [m.time.timestamp() for m in page.messages])
            taken = {m.id for m in posts}
            posts += [m for m in page.messages if m.id not in self._seen and m.id not in taken]
        assert first is not None  # at least one page was read
        self._remember(posts)
        self._started = True
        # Same-second posts may straddle a page's end: the reach starts a second later.
        reach = -math.inf if ended else oldest + 1 + SKEW
        return Batch(posts, (overlaps or ended) and not baseline, pages, first, reach)

    def _remember(self, posts: list[Message]) -> None:
        for message in reversed(posts):  # oldest first, so the newest stay longest
            self._seen[message.id] = None
        while len(self._seen) > SEEN_KEPT:
            self._seen.popitem(last=False)

    def resume(self, seen: tuple[str, ...]) -> None:
        """Go on from where another watcher left off (`seen`: the newest ids it read), or
        start afresh with nothing."""
        self._seen = OrderedDict((i, None) for i in reversed(seen))
        self._started = bool(seen)

    def newest(self, count: int = 2 * PAGE) -> tuple[str, ...]:
        """The newest ids read, newest first: for the next watcher to go on from."""
        return tuple(reversed(list(self._seen)[-count:]))
