"""The state store's SQLite file: opened, checked and prepared once, then used from one
thread of its own (so the event loop never waits on the disk), every failure turned into
`StoreDown` and said in the log now and then."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from widget_server.clock import Clock
from widget_server.datadir import private_file
from widget_server.migrations import NewerSchema, migrate
from widget_server.state.base import StateFileError, StoreDown

log = logging.getLogger("widget_server.state")
T = TypeVar("T")
COMPLAIN_EVERY = 30.0
DAY_MS = 86_400_000  # the longest window

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    log TEXT NOT NULL, member TEXT NOT NULL, stamp INTEGER NOT NULL,
    PRIMARY KEY (log, member)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_time ON events(log, stamp);
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, body TEXT NOT NULL, fetched REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_fetch ON entries(fetched);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY, body TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, token TEXT NOT NULL,
                                  expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pressure (name TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lists (key TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT,
                                  value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lists_by_key ON lists(key, seq);
CREATE TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY, value TEXT NOT NULL,
                                 expires REAL NOT NULL);
"""


MIGRATIONS = [SCHEMA]  # version 1; later versions append their steps


class StateFile:
    """One connection to the file and the thread it runs on."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._conn = _open(path)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="state")
        self._complained = -COMPLAIN_EVERY

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work,
                                                                    self._conn)
        except (sqlite3.Error, OSError) as error:
            self._complain(error)
            raise StoreDown(f"{self.path}: {error}") from error

    def _complain(self, error: Exception) -> None:
        now = self._clock()
        if now - self._complained >= COMPLAIN_EVERY:
            self._complained = now
            log.error("state file %s failed: %s (serving from memory; no upstream call or "
                      "SMS until it works again)", self.path, error)

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._conn.close)
        self._pool.shutdown()

    def close(self) -> None:
        self._pool.submit(self._conn.close).result()
        self._pool.shutdown()


def forget_expired(conn: sqlite3.Connection, now: float) -> None:
    """Delete what no window or TTL needs any more."""
    conn.execute("DELETE FROM events WHERE stamp <= ?", (int(now * 1000) - DAY_MS,))
    for table in ("counters", "locks", "entries", "failures", "kept"):
        conn.execute(f"DELETE FROM {table} WHERE expires <= ?", (now,))


def _open(path: Path) -> sqlite3.Connection:
    """The connection, or a StateFileError that says which file and what to do."""
    try:
        conn = sqlite3.connect(private_file(path), timeout=5.0, isolation_level=None,
                               check_same_thread=False)
    except (OSError, sqlite3.Error) as error:
        raise StateFileError(f"cannot open the state file {path}: {error}. Make its "
                             "directory writable or point WIDGET_DATA_DIR elsewhere.") from None
    try:
        _prepare(conn)
    except NewerSchema as error:
        conn.close()
        raise StateFileError(str(error)) from None
    except sqlite3.DatabaseError as error:
        conn.close()
        raise StateFileError(
            f"the state file {path} is unusable ({error}). It holds only the upstream "
            "budget, cached answers and counters: move it aside or delete it and start "
            "again (the local GupShup's data is in another file).") from None
    return conn


def _prepare(conn: sqlite3.Connection) -> None:
    # Workers starting together race to switch a new file to WAL, which SQLite answers
    # with "locked" at once rather than through the busy timeout: try again a while.
    for attempt in range(50):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 49:
                raise
            time.sleep(0.1)
    conn.execute("PRAGMA synchronous=NORMAL")
    if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise sqlite3.DatabaseError("quick_check failed")
    migrate(conn, MIGRATIONS, "the state file")


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


