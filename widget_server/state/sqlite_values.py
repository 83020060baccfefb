"""The SQLite store's small values with a time to live: counters and opaque values (the
console's sessions). A part of `SqliteState`, apart so that each part stays readable."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from widget_server.clock import Clock
from widget_server.state.sqlite_file import immediate

T = TypeVar("T")


class SqliteValues:
    _clock: Clock

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError  # the file's own thread (`SqliteState`)

    def _housekeeping(self, conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    async def count_up(self, key: str, ttl: float) -> int:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> int:
            with immediate(conn):
                conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
                conn.execute("INSERT INTO counters VALUES (?, 1, ?) ON CONFLICT(key) DO "
                             "UPDATE SET count = count + 1", (key, now + ttl))
                self._housekeeping(conn)
                return int(conn.execute("SELECT count FROM counters WHERE key = ?",
                                        (key,)).fetchone()[0])
        return await self._run(work)

    async def counted(self, key: str) -> int:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                               (key, now)).fetchone()
            return 0 if row is None else int(row[0])
        return await self._run(work)

    async def put(self, key: str, value: str, ttl: float) -> None:
        expires = self._clock() + ttl

        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.execute("INSERT INTO kept VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                             "SET value = excluded.value, expires = excluded.expires",
                             (key, value, expires))
                self._housekeeping(conn)
        await self._run(work)

    async def get(self, key: str) -> str | None:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM kept WHERE key = ? AND expires > ?",
                               (key, now)).fetchone()
            return None if row is None else str(row[0])
        return await self._run(work)

    async def drop(self, key: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            with immediate(conn):
                conn.execute("DELETE FROM kept WHERE key = ?", (key,))
        await self._run(work)
