"""The state store: what a restart or a crash must not forget, and what every process
drawing on one upstream budget must share.

    StateStore (base)        the interface: sliding-window logs, counters, cache entries,
    │                        fetch locks, the upstream's last word on throttling
    ├── SqliteState          the embedded default: `state.sqlite3` in WIDGET_DATA_DIR
    └── RedisState           several machines: WIDGET_REDIS_URL

`limits` builds the budget's windows and the subscription limits on it; `secret` keeps the
ticket secret beside it.
"""

from __future__ import annotations

from pathlib import Path

from widget_server.clock import Clock
from widget_server.settings import Settings
from widget_server.state.base import Limit, StateFileError, StateStore, StoreDown

__all__ = ["Limit", "StateFileError", "StateStore", "StoreDown", "check_state", "open_state",
           "state_file"]
FILE_NAME = "state.sqlite3"


def state_file(settings: Settings) -> Path:
    """The embedded store's file: beside the local GupShup's, apart from it."""
    return settings.data_dir / FILE_NAME


def open_state(settings: Settings, clock: Clock) -> StateStore:
    """Redis when configured, else the SQLite file (StateFileError if it is unusable)."""
    if settings.redis_url:
        from widget_server.state.redis import RedisState
        return RedisState(settings.redis_url, settings.redis_prefix,
                          max_entries=settings.cache_size)
    from widget_server.state.sqlite import SqliteState  # both import the cache's Entry
    return SqliteState(state_file(settings), clock, max_entries=settings.cache_size)


def check_state(settings: Settings) -> None:
    """Before serving, without an event loop: StateFileError if the configured store's
    file cannot be used (Redis is tried at its first use, and fails as StoreDown)."""
    if not settings.redis_url:
        from widget_server.state.sqlite import SqliteState
        SqliteState(state_file(settings), lambda: 0.0).close()
