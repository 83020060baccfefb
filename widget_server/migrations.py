"""Each SQLite file's schema version (`PRAGMA user_version`), and the ordered steps that
bring an older file up to it at open. A step must be safe to run twice (processes that
start together may both run it); a file made by a newer version is refused, not guessed
at. Redis keeps its version under the prefix's `schema` key."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


class NewerSchema(sqlite3.DatabaseError):
    """The file (or Redis) was last written by a newer widget-server."""


def migrate(conn: sqlite3.Connection, steps: Sequence[str], what: str) -> int:
    """Run the steps after the file's version, in order; its version then."""
    have = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if have > len(steps):
        raise NewerSchema(f"{what} has schema version {have}, and this widget-server knows "
                          f"{len(steps)}: run the newer widget-server, or restore a backup")
    for version in range(have, len(steps)):
        conn.executescript(steps[version])
        conn.execute(f"PRAGMA user_version = {version + 1}")
    return len(steps)
