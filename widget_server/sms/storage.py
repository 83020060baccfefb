"""Where the SMS layer keeps its outbox and the delivery reports: any SQLite file that
gives a connection per thread and immediate write transactions (the local GupShup's
database is one). The SMS layer knows this interface, not whose file it is."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, phone TEXT NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL,
    created REAL NOT NULL, status TEXT NOT NULL DEFAULT 'queued', message_id TEXT,
    status_ts INTEGER, error TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_queue ON outbox(status, next_attempt);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_by_message_id ON outbox(message_id);
CREATE TABLE IF NOT EXISTS sms_events (
    id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, destination TEXT NOT NULL,
    status TEXT NOT NULL, ts INTEGER NOT NULL, received REAL NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0, UNIQUE (message_id, status, ts));
CREATE INDEX IF NOT EXISTS sms_events_pending ON sms_events(applied, message_id);
"""


class Storage(Protocol):
    def connection(self) -> sqlite3.Connection:
        """This thread's connection (rows readable by name)."""

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        """An immediate transaction, taken before reading."""


def prepared(storage: Storage) -> Storage:
    """`storage` with the SMS layer's tables in it."""
    storage.connection().executescript(SCHEMA)
    return storage
