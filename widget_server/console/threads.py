"""Each message with its replies.

GupShup's replies go from group to group (`@name` in the text), not to a message, so the
console decides which message a reply answers:

- a reply the owner sent from a message's reply box answers that message: the console
  keeps a note of it (in the state store, so every process and every restart knows);
- any other reply the group received answers the newest message posted before it came,
  as an SMS reply answers the last message its sender got.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from widget_server.clock import Clock
from widget_server.state.base import StateStore
from widget_server.upstream.models import Message, Reply

KEEP_SENT = 200  # notes kept per group


@dataclass(frozen=True)
class Sent:
    """A reply the owner sent from a message's reply box."""

    message: str
    text: str
    to: tuple[str, ...]
    ids: tuple[str, ...]
    time: datetime


@dataclass
class Thread:
    message: Message
    received: list[Reply] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    @property
    def repliers(self) -> list[str]:
        """The groups that answered this message: who a reply goes to by default."""
        return list(dict.fromkeys(r.source.lower() for r in self.received if r.source))


class Notes:
    def __init__(self, store: StateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def sent(self, group: str, message: str, text: str, to: list[str],
                   ids: list[str]) -> None:
        note = {"m": message, "text": text, "to": to, "ids": ids, "t": self._clock()}
        await self._store.append("console-replies:" + group.lower(), json.dumps(note),
                                 KEEP_SENT)

    async def of(self, group: str) -> list[Sent]:
        notes = []
        for raw in await self._store.recent("console-replies:" + group.lower()):
            try:
                n = json.loads(raw)
                notes.append(Sent(str(n["m"]), str(n["text"]), tuple(map(str, n["to"])),
                                  tuple(map(str, n["ids"])),
                                  datetime.fromtimestamp(float(n["t"]), UTC)))
            except (ValueError, KeyError, TypeError):
                continue  # a note nobody can read is no reply
        return notes


def threads(messages: list[Message], received: list[Reply], sent: list[Sent]) -> list[Thread]:
    """The messages (newest first), each with the replies that answer it."""
    out = [Thread(m) for m in messages]
    by_id = {t.message.id: t for t in out}
    noted: set[str] = set()
    for note in sorted(sent, key=lambda n: n.time):
        noted.update(note.ids)
        if note.message in by_id:
            by_id[note.message].sent.append(note)
    for reply in sorted(received, key=lambda r: r.time):
        if reply.id in noted:
            continue  # the owner's own reply to their own group: shown as sent
        answered = next((t for t in out if t.message.time <= reply.time), None)
        if answered is not None:
            answered.received.append(reply)
    return out
