"""The cache's key names, in one place: what `groups.GroupData` stores under and what the
feed watcher (`feed`) finds again to update."""

from __future__ import annotations

from typing import NamedTuple


def info(group: str) -> str:
    return f"info:{group.lower()}"


def stream(group: str, start: int) -> str:
    return f"stream:{group.lower()}:{start}"


def public(skip_adult: bool, start: int) -> str:
    return f"public:{int(skip_adult)}:{start}"


class Page(NamedTuple):
    """A key of a page of messages: `group` None for the public stream."""

    group: str | None
    start: int
    skip_adult: bool = False


def info_group(key: str) -> str | None:
    """The group an info key names, or None."""
    kind, _, group = key.partition(":")
    return group if kind == "info" and group else None


def page(key: str) -> Page | None:
    """The page a key names, or None (group info, or not a key of ours)."""
    kind, _, rest = key.partition(":")
    head, _, start = rest.rpartition(":")
    if not start.isdigit() or kind not in ("stream", "public"):
        return None
    if kind == "stream":
        return Page(head, int(start))
    return Page(None, int(start), head == "1")


def first_page(key: str) -> bool:
    """A stream's first page: what the feed keeps current."""
    found = page(key)
    return found is not None and found.start == 0
