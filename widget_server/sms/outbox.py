"""The outbox: every SMS the local GupShup sends is first a row here, written in the
same transaction as the action that caused it, so none is lost or sent twice."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from widget_server.clock import Clock, iso8601
from widget_server.gupshup.store import Database
from widget_server.phones import masked

log = logging.getLogger("widget_server.sms")


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    phone: str
    text: str
    kind: str
    created: float
    status: str
    message_id: str | None
    error: str | None

    def line(self) -> str:
        return f"{self.id}\t{iso8601(self.created)}\t{self.phone}\t{self.kind}\t" \
               f"{self.status}\t{self.text}"


class Outbox:
    """Stores outgoing SMS; `initial_status` is `stored` when the outbox is the gateway
    itself, `queued` when a sender will deliver them."""

    def __init__(self, db: Database, clock: Clock, initial_status: str = "stored") -> None:
        self._db = db
        self._clock = clock
        self._initial_status = initial_status

    def enqueue(self, conn: sqlite3.Connection, phone: str, text: str, kind: str) -> int:
        cur = conn.execute(
            "INSERT INTO outbox (phone, text, kind, created, status) VALUES (?, ?, ?, ?, ?)",
            (phone, text, kind, self._clock(), self._initial_status))
        row_id = int(cur.lastrowid or 0)
        # The text is not logged: confirmation codes must never reach a log.
        log.info("sms %d (%s, %d chars) to %s: %s", row_id, kind, len(text), masked(phone),
                 self._initial_status)
        return row_id

    def messages(self, phone: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        sql = "SELECT * FROM outbox"
        args: tuple[object, ...] = ()
        if phone:
            sql, args = sql + " WHERE phone = ?", (phone,)
        rows = self._db.connection().execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [OutboxMessage(r["id"], r["phone"], r["text"], r["kind"], r["created"],
                              r["status"], r["message_id"], r["error"]) for r in rows]
