"""SQLite storage for the local GupShup: one file in the data directory, WAL, one
connection per thread, every write in an immediate transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from widget_server.datadir import private_file
from widget_server.migrations import migrate

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    secret TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active');
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, title TEXT NOT NULL,
    description TEXT NOT NULL, public INTEGER NOT NULL, adult INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0, owner_id INTEGER NOT NULL REFERENCES users(id),
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id INTEGER REFERENCES users(id), text TEXT NOT NULL, time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_group ON messages(group_id, time DESC);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(time DESC);
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES groups(id),
    from_group_id INTEGER NOT NULL REFERENCES groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id), text TEXT NOT NULL, time REAL NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS subscriptions (
    group_id INTEGER NOT NULL REFERENCES groups(id), phone TEXT NOT NULL,
    created REAL NOT NULL, PRIMARY KEY (group_id, phone));
CREATE TABLE IF NOT EXISTS verifications (
    token TEXT PRIMARY KEY, phone TEXT NOT NULL, group_id INTEGER REFERENCES groups(id),
    code TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending', created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS verifications_by_phone ON verifications(phone, created);
CREATE TABLE IF NOT EXISTS challenges (challenge TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS invites (
    group_id INTEGER NOT NULL REFERENCES groups(id), phone TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS hits (kind TEXT NOT NULL, key TEXT NOT NULL, stamp REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_key ON hits(kind, key, stamp);
"""


MIGRATIONS = [SCHEMA]  # version 1; later versions append their steps


class Database:
    """The local GupShup's SQLite file, shared safely by the threads that serve calls."""

    def __init__(self, path: Path, *, timeout: float = 15.0) -> None:
        self.path = private_file(path)
        self._timeout = timeout  # how long a write waits for another one's lock
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        migrate(self.connection(), MIGRATIONS, f"the local GupShup's file {path}")

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An immediate transaction: taken before reading, so writers never deadlock."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
