"""Sliding windows of events per caller in the local GupShup's own file, so that every
process serving it (`--workers`, or several on one data directory) counts alike: its call
throttle, its SMS allowance per address, and its password guesses per account."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from widget_server.clock import Clock
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.store import Database
from widget_server.protocol import SMS_REFUSED

PRUNE_EVERY = 1000  # takes between sweeps of callers never seen again
LONGEST = 86_400.0


class StoredWindows:
    """Events of one `kind` per key, counted in windows of (seconds, limit)."""

    def __init__(self, db: Database, clock: Clock, kind: str,
                 windows: Sequence[tuple[float, int]]) -> None:
        self._db, self._clock, self._kind = db, clock, kind
        self.windows = list(windows)
        self._takes = 0

    def counts(self, conn: sqlite3.Connection, key: str, now: float) -> list[int]:
        """Events of `key` in each window, now."""
        return [int(conn.execute("SELECT COUNT(*) FROM hits WHERE kind = ? AND key = ? AND "
                                 "stamp > ?", (self._kind, key, now - seconds)).fetchone()[0])
                for seconds, _ in self.windows]

    def current(self, key: str) -> list[int]:
        return self.counts(self._db.connection(), key, self._clock())

    def take(self, key: str, count: int = 1, enforce: bool = True,
             conn: sqlite3.Connection | None = None) -> tuple[int | None, list[int]]:
        """Record `count` events for `key` unless (with `enforce`) a window would pass its
        limit; (the first such window's index or None, the counts before). In `conn`'s
        transaction when given (undone with it), else in one of its own."""
        if conn is None:
            with self._db.write() as own:
                return self.take(key, count, enforce, own)
        now = self._clock()
        counts = self.counts(conn, key, now)
        for i, (used, (_, limit)) in enumerate(zip(counts, self.windows, strict=True)):
            if enforce and used + count > limit:
                return i, counts
        conn.executemany("INSERT INTO hits VALUES (?, ?, ?)", [(self._kind, key, now)] * count)
        self._prune(conn, key, now)
        return None, counts

    def _prune(self, conn: sqlite3.Connection, key: str, now: float) -> None:
        longest = max(seconds for seconds, _ in self.windows)
        conn.execute("DELETE FROM hits WHERE kind = ? AND key = ? AND stamp <= ?",
                     (self._kind, key, now - longest))
        self._takes += 1
        if self._takes % PRUNE_EVERY == 0:
            conn.execute("DELETE FROM hits WHERE stamp <= ?", (now - LONGEST,))

    def forget(self, key: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM hits WHERE kind = ? AND key = ?", (self._kind, key))


class SmsLimit:
    """At most as many SMS per calling address as the widget's own form allows (5 in ten
    minutes, 20 a day), whichever process serves the call: the raw API must not be a
    cheaper way to send codes to strangers. Charged in the transaction that queues the SMS,
    after every check of the call: only what really goes out counts. Refused with its own
    code (`SMS_REFUSED`), never the call throttle's 113: a refused SMS stops no other call."""

    LIMITS = ((600.0, 5, "10-minute"), (86400.0, 20, "daily"))

    def __init__(self, db: Database, clock: Clock) -> None:
        self._windows = StoredWindows(db, clock, "sms", [(s, n) for s, n, _ in self.LIMITS])

    def take(self, key: str, count: int, conn: sqlite3.Connection | None = None) -> None:
        """Record `count` SMS for `key`, or raise ApiError(SMS_REFUSED)."""
        refused, _ = self._windows.take(key, count, conn=conn)
        if refused is not None:
            _, limit, name = self.LIMITS[refused]
            raise ApiError(SMS_REFUSED, name, limit)
