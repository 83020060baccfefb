"""The embedded backend: one SQLite file (WAL) in the data directory, beside but apart
from the local GupShup's, shared by every worker process on the machine.

Each call runs on one thread of its own, so the event loop never waits on the disk, and
every check-then-write is one `BEGIN IMMEDIATE` transaction, so processes never race.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from widget_server.clock import Clock
from widget_server.entries import Entry
from widget_server.state import codec
from widget_server.state.base import KEEP_VALUES, NOT_LIMITED, Window
from widget_server.state.sqlite_file import StateFile, forget_expired, immediate
from widget_server.state.sqlite_values import SqliteValues

HOUSEKEEPING_EVERY = 500
T = TypeVar("T")



class SqliteState(SqliteValues):
    """`base.StateStore` on a SQLite file."""

    def __init__(self, path: Path, clock: Clock, *, max_entries: int = 10_000) -> None:
        self.path = path
        self._clock = clock
        self._max_entries = max_entries
        self._file = StateFile(path, clock)
        self._writes = 0

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._file.run(work)  # every statement on the file's own thread

    async def take(self, logs: list[str], windows: list[Window], stamp: int,
                   member: str) -> float | None:
        def work(conn: sqlite3.Connection) -> float | None:
            with immediate(conn):
                wait = _wait(conn, logs, windows, stamp)
                if wait is None:
                    conn.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?)",
                                     [(name, member, stamp) for name in logs])
                    self._housekeeping(conn)
                return wait
        return await self._run(work)

    async def restamp(self, logs: list[str], member: str, stamp: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.executemany(
                    "UPDATE events SET stamp = max(stamp, ?) WHERE log = ? AND member = ?",
                    [(stamp, name, member) for name in logs])
        await self._run(work)

    async def forget(self, logs: list[str], member: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.executemany("DELETE FROM events WHERE log = ? AND member = ?",
                                 [(name, member) for name in logs])
        await self._run(work)

    async def count_since(self, log: str, since: int) -> int:
        return await self._run(lambda conn: _count(conn, log, since))

    async def append(self, key: str, value: str, keep: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.execute("INSERT INTO lists (key, value) VALUES (?, ?)", (key, value))
                conn.execute("DELETE FROM lists WHERE key = ? AND seq NOT IN (SELECT seq FROM "
                             "lists WHERE key = ? ORDER BY seq DESC LIMIT ?)", (key, key, keep))
        await self._run(work)

    async def recent(self, key: str) -> list[str]:
        def work(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute("SELECT value FROM lists WHERE key = ? ORDER BY seq DESC",
                                (key,)).fetchall()
            return [str(row[0]) for row in rows]
        return await self._run(work)

    async def load(self, key: str) -> Entry | None:
        now = self._clock()
        value, failure = await self._run(lambda conn: (
            _body(conn, "entries", key, now), _body(conn, "failures", key, now)))
        return codec.joined(value, failure)

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        now = self._clock()
        body = codec.encode(entry)

        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                if entry.error is not None:
                    conn.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?)",
                                 (key, body, now + error_ttl))
                    return
                conn.execute("DELETE FROM failures WHERE key = ?", (key,))
                conn.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                             (key, body, entry.fetched, entry.fetched + KEEP_VALUES))
                conn.execute("DELETE FROM entries WHERE key IN (SELECT key FROM entries "
                             "ORDER BY fetched DESC LIMIT -1 OFFSET ?)", (self._max_entries,))
                self._housekeeping(conn)
        await self._run(work)

    async def lock(self, key: str, ttl: float, token: str | None = None) -> str | None:
        held, now = token or secrets.token_hex(8), self._clock()

        def work(conn: sqlite3.Connection) -> str | None:
            with immediate(conn):
                conn.execute("DELETE FROM locks WHERE key = ? AND expires <= ?", (key, now))
                return held if conn.execute(  # renewed only by the token that holds it
                    "INSERT INTO locks VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "expires = excluded.expires WHERE token = excluded.token",
                    (key, held, now + ttl)).rowcount else None
        return await self._run(work)

    async def unlock(self, key: str, token: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.execute("DELETE FROM locks WHERE key = ? AND token = ?", (key, token))
        await self._run(work)

    async def pressure(self) -> tuple[float, float]:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> dict[str, float]:
            return {str(name): float(until) for name, until in conn.execute(
                "SELECT name, until FROM pressure WHERE until > ?", (now,))}
        found = await self._run(work)
        return found.get("paused", 0.0), found.get("stopped", 0.0)

    async def record_pressure(self, paused_until: float, stopped_until: float, now: float) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                for name, until in (("paused", paused_until), ("stopped", stopped_until)):
                    conn.execute("INSERT INTO pressure VALUES (?, ?) ON CONFLICT(name) DO "
                                 "UPDATE SET until = max(until, excluded.until)", (name, until))
        await self._run(work)

    def _housekeeping(self, conn: sqlite3.Connection) -> None:
        """Now and then, within a write: forget what no window or TTL needs any more."""
        self._writes += 1
        if self._writes % HOUSEKEEPING_EVERY:
            return
        forget_expired(conn, self._clock())

    async def aclose(self) -> None:
        await self._file.aclose()

    def close(self) -> None:
        """Without an event loop (a check before serving)."""
        self._file.close()


def _body(conn: sqlite3.Connection, table: str, key: str, now: float) -> str | None:
    row = conn.execute(f"SELECT body FROM {table} WHERE key = ? AND expires > ?",
                       (key, now)).fetchone()
    return None if row is None else str(row[0])


def _count(conn: sqlite3.Connection, log: str, since: int) -> int:
    return int(conn.execute("SELECT count(*) FROM events WHERE log = ? AND stamp > ?",
                            (log, since)).fetchone()[0])


def _wait(conn: sqlite3.Connection, logs: list[str], windows: list[Window],
          now: int) -> float | None:
    """None if every window has room in every log; else the seconds until it would.
    Events stamped later than `now` count too, so a clock skew only makes it stricter."""
    wait = -1
    for length, limits in windows:
        for log, limit in zip(logs, limits, strict=True):
            if limit >= NOT_LIMITED:
                continue
            used = _count(conn, log, now - length)
            if used >= limit:
                oldest = conn.execute(
                    "SELECT stamp FROM events WHERE log = ? AND stamp > ? ORDER BY stamp "
                    "LIMIT 1 OFFSET ?", (log, now - length, used - limit)).fetchone()
                wait = max(wait, int(oldest[0]) + length - now, 1)
    return None if wait < 0 else wait / 1000
