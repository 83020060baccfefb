"""Sliding windows of events per caller in the local GupShup's own file, so that every
process serving it (`--workers`, or several on one data directory) counts alike: its call
throttle, its SMS allowance per address, and its password guesses per account."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from widget_server.clock import Clock
from widget_server.gupshup.store import Database

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

    def take(self, key: str, count: int = 1, enforce: bool = True) -> tuple[int | None,
                                                                            list[int]]:
        """Record `count` events for `key` unless (with `enforce`) a window would pass its
        limit; (the first such window's index or None, the counts before)."""
        now = self._clock()
        with self._db.write() as conn:
            counts = self.counts(conn, key, now)
            for i, (used, (_, limit)) in enumerate(zip(counts, self.windows, strict=True)):
                if enforce and used + count > limit:
                    return i, counts
            conn.executemany("INSERT INTO hits VALUES (?, ?, ?)",
                             [(self._kind, key, now)] * count)
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
