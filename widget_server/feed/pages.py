"""A stream's cached pages after new posts, worked out without a call: the new messages go
on top of the first page, every later offset shifts down by as many, totals and the group's
post count follow. Anything that cannot be placed for certain answers None (the key is
then refreshed the ordinary way)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from widget_server.upstream.models import Group, Message, Stream

PAGE = 15


def order(message: Message) -> tuple[datetime, int, str]:
    """The upstream's order, newest first when reversed: time, then id (numeric ids as
    numbers)."""
    return (message.time, int(message.id) if message.id.isdigit() else -1, message.id)


def placed(page: Stream, posts: Sequence[Message]) -> list[Message] | None:
    """Of `posts` (one group's, newest first), those not yet on `page`; None if one of them
    is older than the page's newest message yet not on it (a gap, or a post deleted)."""
    held = {m.id for m in page.messages}
    new = [m for m in posts if m.id not in held]
    if new and page.messages and order(new[-1]) <= order(page.messages[0]):
        return None
    return new


def prepend(page: Stream, new: Sequence[Message]) -> Stream:
    """The first page once `new` (newer than all of it, newest first) were posted."""
    total = None if page.total is None else page.total + len(new)
    return Stream(tuple(new) + page.messages[:PAGE - len(new)], total)


def shifted(pages: Mapping[int, Stream], start: int, new: int) -> Stream | None:
    """The page at `start` (> 0) once `new` posts went on top, from the pages held before
    (offset → page, the first among them); None if a message it needs is not held."""
    known = {offset + i: m for offset, page in pages.items()
             for i, m in enumerate(page.messages)}
    old = pages[start]
    total = pages[0].total if 0 in pages else old.total
    ends = start + len(old.messages) if len(old.messages) < PAGE else start - new + PAGE
    end = min(start - new + PAGE, ends if total is None else total)
    wanted = range(start - new, end)
    if any(p not in known for p in wanted):
        return None
    return Stream(tuple(known[p] for p in wanted),
                  None if total is None else total + new)


def info_after(group: Group, new: Sequence[Message]) -> Group:
    """The group's info once `new` were posted: its post count and last post follow."""
    return dataclasses.replace(group, posts=group.posts + len(new),
                               last_post=max(group.last_post or new[0].time, new[0].time))
