"""Typed views of upstream payloads; anything malformed becomes `Unavailable`.

JSON gives numbers and booleans, XML gives text: both are accepted.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from widget_server.upstream.errors import Unavailable

MAX_SHOWN = 2000  # characters of a message shown: longer text is cut, never refused


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    group: str
    text: str
    time: datetime
    adult: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "text": self.text,
                "time": _iso(self.time), "adult": self.adult}


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    title: str
    description: str
    public: bool
    members: int
    posts: int
    created: datetime | None
    last_post: datetime | None
    disabled: bool = False  # only some upstreams say so (the local GupShup does)

    def as_json(self) -> dict[str, Any]:
        body = {"name": self.name, "title": self.title, "description": self.description,
                "public": self.public, "members": self.members, "posts": self.posts,
                "created": _iso(self.created), "lastPost": _iso(self.last_post)}
        return {**body, "disabled": True} if self.disabled else body


@dataclass(frozen=True, slots=True)
class Stream:
    """A page of messages, newest first; `total` when the upstream says (group streams)."""

    messages: tuple[Message, ...]
    total: int | None

    def slice(self, count: int) -> Stream:
        return Stream(self.messages[:count], self.total)


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None or isinstance(value, dict | list):
        raise Unavailable(f"upstream object lacks {key!r}")
    return str(value)[:MAX_SHOWN]


MAX_COUNT = 10**12  # more members, posts or messages than that is not data but garbage


def _int(data: dict[str, Any], key: str) -> int:
    try:
        value = int(data.get(key, 0))
    except (TypeError, ValueError, OverflowError):  # `1e999` is infinity to json
        raise Unavailable(f"upstream {key!r} is not a number") from None
    if not 0 <= value <= MAX_COUNT:
        raise Unavailable(f"upstream {key!r} is out of range")
    return value


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Unavailable(f"upstream time {str(value)[:40]!r} unreadable") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _timed(data: Any, what: str) -> tuple[dict[str, Any], datetime]:
    """An item that must be an object with a time: it, and its time."""
    if not isinstance(data, dict):
        raise Unavailable(f"upstream {what} is not an object")
    when = _time(data.get("time"))
    if when is None:
        raise Unavailable(f"upstream {what} has no time")
    return data, when


def message(item: Any) -> Message:
    data, when = _timed(item, "message")
    # Interned: a page repeats its group's name fifteen times, ten thousand pages add up.
    return Message(_text(data, "id"), sys.intern(_text(data, "group", "")),
                   _text(data, "text", ""), when, _bool(data.get("adult")))


def stream(body: dict[str, Any]) -> Stream:
    total = _int(body, "total") if "total" in body else None
    return Stream(tuple(message(m) for m in listed(body, "messages")), total)


def group(body: dict[str, Any]) -> Group:
    data = body.get("group")
    if not isinstance(data, dict):
        raise Unavailable("upstream info has no group")
    return Group(_text(data, "name"), _text(data, "title", ""), _text(data, "description", ""),
                 _bool(data.get("public")), _int(data, "members"), _int(data, "posts"),
                 _time(data.get("created")), _time(data.get("lastPost")),
                 _bool(data.get("disabled")))


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply another group (`source`) posted to a group; `hidden` by its owner."""

    id: str
    source: str
    text: str
    time: datetime
    hidden: bool = False


def reply(item: Any) -> Reply:
    data, when = _timed(item, "reply")
    return Reply(_text(data, "id"), _text(data, "from", ""), _text(data, "text", ""), when,
                 _bool(data.get("hidden")))


def listed(body: dict[str, Any], key: str) -> list[Any]:
    items = body.get(key) or []
    if not isinstance(items, list):
        raise Unavailable(f"upstream {key} are not a list")
    return items


def groups(body: dict[str, Any]) -> list[Group]:
    """A list of groups (a user's own, or those they joined)."""
    return [group({"group": item}) for item in listed(body, "groups")]
