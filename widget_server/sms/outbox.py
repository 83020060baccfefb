"""The outbox: every SMS the local GupShup sends is first a row here, written in the
same transaction as the action that caused it, so none is lost or sent twice."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from widget_server.clock import Clock, iso8601
from widget_server.phones import masked
from widget_server.sms.storage import Storage, prepared

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
    attempts: int = 0

    def line(self) -> str:
        status = self.status + (f" ({self.error})" if self.error else "")
        return f"{self.id}\t{iso8601(self.created)}\t{self.phone}\t{self.kind}\t" \
               f"{status}\t{self.message_id or '-'}\t{self.text}"


class Outbox:
    """Stores outgoing SMS; `initial_status` is `stored` when the outbox is the gateway
    itself, `queued` when a sender will deliver them.

    The life of a queued row: `queued` -> `sending` (claimed by the one dispatcher) ->
    `submitted` (the gateway took it; delivery reports move it on to `enqueued`, `sent`,
    `delivered` or `failed`), or back to `queued` for a retry, or `failed` (refused), or
    `unknown` (the gateway may or may not have taken it: never sent again).
    """

    def __init__(self, db: Storage, clock: Clock, initial_status: str = "stored") -> None:
        self._db = prepared(db)
        self._clock = clock
        self._initial_status = initial_status
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> None:
        """Called (from any thread) when a row is queued."""
        self._listeners.append(callback)

    def enqueue(self, conn: sqlite3.Connection, phone: str, text: str, kind: str) -> int:
        cur = conn.execute(
            "INSERT INTO outbox (phone, text, kind, created, status) VALUES (?, ?, ?, ?, ?)",
            (phone, text, kind, self._clock(), self._initial_status))
        row_id = int(cur.lastrowid or 0)
        # The text is not logged: confirmation codes must never reach a log.
        log.info("sms %d (%s, %d chars) to %s: %s", row_id, kind, len(text), masked(phone),
                 self._initial_status)
        for callback in self._listeners:
            callback()
        return row_id

    def recover(self) -> int:
        """After a crash, rows left `sending` may have reached the gateway: never resend."""
        with self._db.write() as conn:
            cur = conn.execute("UPDATE outbox SET status = 'unknown', error = ? "
                               "WHERE status = 'sending'", ("interrupted while sending",))
        return cur.rowcount

    def claim(self) -> OutboxMessage | None:
        """The most urgent row due for sending, marked `sending` so nothing else sends it:
        confirmation codes first (a visitor is waiting), then the oldest (fan-outs)."""
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT * FROM outbox WHERE status = 'queued' AND next_attempt <= ? "
                "ORDER BY kind = 'code' DESC, id LIMIT 1", (self._clock(),)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1 "
                         "WHERE id = ?", (row["id"],))
        return dataclasses.replace(_message(row), status="sending", attempts=row["attempts"] + 1)

    def next_due(self) -> float | None:
        row = self._db.connection().execute(
            "SELECT MIN(next_attempt) FROM outbox WHERE status = 'queued'").fetchone()
        return None if row[0] is None else float(row[0])

    def submitted(self, row_id: int, message_id: str) -> None:
        self._set(row_id, "submitted", message_id=message_id, error=None)

    def retry(self, row_id: int, when: float, error: str) -> None:
        self._set(row_id, "queued", next_attempt=when, error=error)

    def finish(self, row_id: int, status: str, error: str) -> None:
        """`failed` (refused, or gave up) or `unknown` (maybe sent): both final."""
        self._set(row_id, status, error=error)

    def _set(self, row_id: int, status: str, **columns: object) -> None:
        assignments = "".join(f", {name} = ?" for name in columns)
        with self._db.write() as conn:
            conn.execute(f"UPDATE outbox SET status = ?{assignments} WHERE id = ?",
                         (status, *columns.values(), row_id))
        log.info("sms %d: %s%s", row_id, status,
                 f" ({columns['error']})" if columns.get("error") else "")

    def messages(self, phone: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        sql = "SELECT * FROM outbox"
        args: tuple[object, ...] = ()
        if phone:
            sql, args = sql + " WHERE phone = ?", (phone,)
        rows = self._db.connection().execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [_message(r) for r in rows]


def _message(r: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(r["id"], r["phone"], r["text"], r["kind"], r["created"], r["status"],
                         r["message_id"], r["error"], r["attempts"])
