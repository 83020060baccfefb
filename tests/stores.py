"""State stores for tests that build a budget or a cache by hand: a real SQLite file in a
temporary directory, or the real Redis under a prefix of the test's own."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from tests.harness import forget_keys
from tests.redis_server import redis_url
from widget_server.clock import Clock
from widget_server.state.base import StateStore
from widget_server.state.limits import StoreWindows
from widget_server.state.redis import RedisState
from widget_server.state.sqlite import SqliteState
from widget_server.upstream.budget import Budget
from widget_server.upstream.priority import Triple, Use, rules

CEILINGS = (22, 950, 9500)
RESERVE = (4, 50, 500)
# The floors of the default settings' shape, adding up to RESERVE.
FLOORS: dict[Use, Triple] = {"confirm": (1, 10, 100), "subscribe": (2, 20, 200),
                             "console": (0, 0, 0), "view": (1, 20, 200)}


@contextlib.asynccontextmanager
async def sqlite_state(clock: Clock, path: Path | None = None) -> AsyncIterator[SqliteState]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteState(path or Path(tmp) / "state.sqlite3", clock)
        try:
            yield store
        finally:
            await store.aclose()


@contextlib.asynccontextmanager
async def redis_state() -> AsyncIterator[RedisState]:
    store = RedisState(redis_url(), f"test:{uuid.uuid4().hex}:")
    try:
        yield store
    finally:
        await forget_keys(store.prefix)
        await store.aclose()


def budget_on(store: StateStore, clock: Clock, ceilings: Triple = CEILINGS,
              floors: Mapping[Use, Triple] | Triple = FLOORS, share: float = 1.0) -> Budget:
    """A budget on `store`; `floors` a triple: that much kept from refreshes (all of it
    the confirmations' floor)."""
    kept: Mapping[Use, Triple] = {"confirm": floors} if isinstance(floors, tuple) else floors
    admission = rules(ceilings, kept, share)
    return Budget(ceilings, admission, clock, store=store,
                  windows=StoreWindows(store, admission))
