"""Delivery reports: `POST /webhooks/sms/dlr` stores each event durably and answers 204
at once; a background task then applies the events to the outbox, newest `ts` winning.

Storing first makes the webhook idempotent (an event seen twice is one row) and loses
nothing: a report that arrives before the send has recorded its message id waits in the
table until it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from widget_server.clock import Clock
from widget_server.sms.storage import Storage, prepared

log = logging.getLogger("widget_server.sms")
WEBHOOK_PATH = "/webhooks/sms/dlr"
MAX_BODY = 16 * 1024
MAX_EVENTS = 100
STRAY_REPORTS = 86_400.0
# Equal timestamps: a final state beats `sent`, which beats `enqueued`.
RANK = {"submitted": -1, "enqueued": 0, "sent": 1, "delivered": 2, "failed": 2}


@dataclass(frozen=True)
class Report:
    message_id: str
    destination: str
    status: str
    ts: int


def parse_reports(body: bytes) -> list[Report]:
    """One event object, or a list of them; ValueError for anything else."""
    payload: Any = json.loads(body)
    events = payload if isinstance(payload, list) else [payload]
    if not events or len(events) > MAX_EVENTS:
        raise ValueError("expected one to a hundred events")
    return [_report(event) for event in events]


def _report(event: Any) -> Report:
    if not isinstance(event, dict):
        raise ValueError("an event is a JSON object")
    message_id, destination = event.get("messageId"), str(event.get("destination", ""))
    status, ts = str(event.get("status", "")).lower(), str(event.get("ts", ""))
    if not isinstance(message_id, str) or not 0 < len(message_id) <= 100:
        raise ValueError("messageId is missing")
    if status not in RANK or status == "submitted":
        raise ValueError(f"unknown status {status[:20]!r}")
    if not ts.isdigit() or len(ts) > 15 or not (destination.isdigit() or not destination):
        raise ValueError("ts must be milliseconds and destination digits")
    return Report(message_id, destination[:20], status, int(ts))


class DeliveryReports:
    def __init__(self, db: Storage, clock: Clock, secret: str) -> None:
        self._db = prepared(db)
        self._clock = clock
        self._secret = secret.encode()
        self.wakeup = asyncio.Event()

    def record(self, reports: list[Report]) -> int:
        """Store the events; the ones already stored are ignored. Returns how many new."""
        with self._db.write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO sms_events (message_id, destination, status, ts, "
                "received) VALUES (?, ?, ?, ?, ?)",
                [(r.message_id, r.destination, r.status, r.ts, self._clock()) for r in reports])
            return conn.total_changes - before

    def apply(self) -> int:
        """Apply the stored events whose message is known, oldest `ts` first."""
        with self._db.write() as conn:
            self._forget_strays(conn)
            self._claim_unknown_rows(conn)
            events = conn.execute(
                "SELECT e.id, e.status, e.ts, o.id AS row_id FROM sms_events e "
                "JOIN outbox o ON o.message_id = e.message_id WHERE e.applied = 0 "
                "ORDER BY e.ts, e.id").fetchall()
            for event in events:
                row = conn.execute("SELECT status, status_ts FROM outbox WHERE id = ?",
                                   (event["row_id"],)).fetchone()
                current = (row["status_ts"] or -1, RANK.get(row["status"], -1))
                if (event["ts"], RANK[event["status"]]) > current:
                    conn.execute("UPDATE outbox SET status = ?, status_ts = ? WHERE id = ?",
                                 (event["status"], event["ts"], event["row_id"]))
                conn.execute("UPDATE sms_events SET applied = 1 WHERE id = ?", (event["id"],))
        return len(events)

    def _forget_strays(self, conn: sqlite3.Connection) -> None:
        """Reports for messages we never sent are kept a day (a send may be recorded
        late), not forever."""
        conn.execute("DELETE FROM sms_events WHERE applied = 0 AND received < ?",
                     (self._clock() - STRAY_REPORTS,))

    def _claim_unknown_rows(self, conn: sqlite3.Connection) -> None:
        """A send that got no answer is `unknown`, with no message id; when a report comes
        for an id we never heard of, to a number with exactly one such row of the last
        day, it is that row's: the report settles it."""
        orphans = conn.execute(
            "SELECT DISTINCT e.message_id, e.destination FROM sms_events e LEFT JOIN outbox o "
            "ON o.message_id = e.message_id WHERE e.applied = 0 AND o.id IS NULL").fetchall()
        for orphan in orphans:
            rows = conn.execute(
                "SELECT id FROM outbox WHERE status = 'unknown' AND message_id IS NULL AND "
                "'91' || phone = ? AND created > ?",
                (orphan["destination"], self._clock() - 86_400)).fetchall()
            if len(rows) == 1:
                conn.execute("UPDATE outbox SET message_id = ? WHERE id = ?",
                             (orphan["message_id"], rows[0]["id"]))

    def wake(self) -> None:
        self.wakeup.set()

    async def step(self) -> None:
        """Apply what has arrived, then wait for more (run by `workers.Workers`)."""
        await asyncio.to_thread(self.apply)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), 5.0)
        self.wakeup.clear()

    async def webhook(self, request: Request) -> Response:
        if not self._secret:
            return Response(status_code=404)  # not configured: no webhook
        given = request.headers.get("x-webhook-secret") or request.query_params.get("secret")
        if not hmac.compare_digest((given or "").encode(), self._secret):
            return Response(status_code=403)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return Response(status_code=413)
        try:
            reports = parse_reports(bytes(body))
        except (ValueError, RecursionError) as error:  # JSON errors; nesting too deep
            log.warning("delivery report refused: %s", error)
            return Response(status_code=400)
        try:
            recorded = await asyncio.to_thread(self.record, reports)
        except sqlite3.Error as error:  # kept nowhere: the gateway must send it again
            log.error("delivery report not stored: %s", error)
            return Response(status_code=503, headers={"Retry-After": "30"})
        if recorded:
            self.wake()
        return Response(status_code=204)
