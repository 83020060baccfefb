"""The state store: its SQLite backend on real files, across real processes, and a disk
that stops taking writes while the server runs."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hammer import hammer, within
from tests.harness import widget_env
from widget_server.clock import ManualClock
from widget_server.entries import Entry
from widget_server.state import codec
from widget_server.state.base import Limit
from widget_server.state.limits import StoreCounters
from widget_server.state.secret import stored_secret
from widget_server.state.sqlite import SqliteState
from widget_server.upstream import models
from widget_server.upstream.errors import BudgetExhausted, GroupNotFound

pytestmark = pytest.mark.anyio
GROUP = models.group({"group": {"name": "jumpy", "title": "Jumpy", "description": "d",
                                "public": True, "members": 3, "posts": 28,
                                "created": "2026-01-01T00:00:00Z"}})


@given(st.lists(st.tuples(st.integers(1, 12), st.sampled_from([300, 700, 1500])),
                min_size=1, max_size=2, unique_by=lambda limit: limit[1]),
       st.integers(2, 3))
@settings(max_examples=4, deadline=None)
def test_processes_taking_at_once_never_exceed_a_window(limits: list[tuple[int, int]],
                                                        processes: int) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"hammer-{os.getpid()}.sqlite3"
    try:
        stamps, attempts = hammer("own", path, limits, processes, 1.0)
        assert within(stamps, limits) and attempts > len(stamps) > 0
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


async def test_an_error_never_replaces_a_stored_value(store: SqliteState,
                                                      clock: ManualClock) -> None:
    await store.save("info:jumpy", Entry(value=GROUP, fetched=clock(), version=1), 30)
    failed = Entry(error=GroupNotFound(2, "gone"), retry_at=clock() + 30)
    await store.save("info:jumpy", failed, 30)
    kept = await store.load("info:jumpy")
    assert kept is not None and kept.value == GROUP and kept.fetched == clock()
    await store.save("info:nosuch", failed, 30)
    clock.advance(31)  # errors are kept only briefly
    assert await store.load("info:nosuch") is None
    assert await store.load("info:jumpy") is not None


async def test_entries_are_bounded_like_the_cache(tmp_path: Path, clock: ManualClock) -> None:
    store = SqliteState(tmp_path / "s.sqlite3", clock, max_entries=50)
    for n in range(600):  # housekeeping runs every 500 writes
        clock.advance(1)
        await store.save(f"k{n}", Entry(value=GROUP, fetched=clock(), version=1), 30)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] <= 150
    assert await store.load("k599") is not None and await store.load("k0") is None
    await store.aclose()


async def test_locks_have_an_owner_and_expire(store: SqliteState, clock: ManualClock) -> None:
    token = await store.lock("info:jumpy", 10)
    assert token is not None and await store.lock("info:jumpy", 10) is None
    await store.unlock("info:jumpy", "not-the-owner")
    assert await store.lock("info:jumpy", 10) is None
    clock.advance(11)  # the holder died
    assert await store.lock("info:jumpy", 10) is not None


async def test_counters_and_limits(store: SqliteState, clock: ManualClock) -> None:
    counters = StoreCounters(store, clock)
    assert [await counters.count_up("wrong:t", 60) for _ in range(3)] == [1, 2, 3]
    clock.advance(61)
    assert await counters.counted("wrong:t") == 0
    checks = [("a", [Limit(2, 60)]), ("b", [Limit(5, 10), Limit(3, 60)])]
    assert [await counters.hit(checks) for _ in range(2)] == [None, None]
    wait = await counters.hit(checks)
    assert wait is not None and 59 <= wait <= 60


async def test_a_call_counts_until_its_answer(store: SqliteState, clock: ManualClock) -> None:
    from tests.stores import budget_on

    budget = budget_on(store, clock, (2, 950, 9500), (1, 50, 500))
    call = await budget.acquire()
    clock.advance(30)  # a slow answer: the upstream may have counted it only now
    await budget.settle(call)
    clock.advance(31)  # a minute after the admission, not after the answer
    await budget.acquire("confirm")
    with pytest.raises(BudgetExhausted):
        await budget.acquire("confirm")  # still two in the answer's minute
    clock.advance(30)
    await budget.acquire("confirm")


def test_codec_joins_a_value_and_a_later_error() -> None:
    stored = codec.encode(Entry(value=GROUP, fetched=5.0, version=1))
    failure = codec.encode(Entry(error=GroupNotFound(2, "x"), retry_at=9.0))
    joined = codec.joined(stored, failure)
    assert joined is not None and joined.value == GROUP and joined.fetched == 5.0
    assert isinstance(joined.error, GroupNotFound) and joined.retry_at == 9.0
    assert codec.joined(None, None) is None


def test_the_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = stored_secret(tmp_path / "data")
    assert stored_secret(tmp_path / "data") == first and len(first) >= 32
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["secret_key"]


async def test_a_disk_that_stops_writing_never_takes_the_server_down(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with widget_env(tmp_path) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        store = env.services.state
        assert isinstance(store, SqliteState)
        await store._run(lambda conn: conn.execute("PRAGMA query_only = ON"))
        calls = len(env.upstream.requests)
        with caplog.at_level(logging.ERROR, logger="widget_server.state"):
            env.clock.advance(61)
            stale = await env.client.get("/api/groups/jumpy")
            await env.settle()
            miss = await env.client.get("/api/groups/cricketbuzz")
            code = await env.client.post("/api/groups/jumpy/subscribe",
                                         data={"phone": "9819535746"},
                                         headers={"Sec-Fetch-Site": "same-origin"})
        assert stale.status_code == 200 and stale.json()["stale"] is True
        assert miss.status_code == 503 and "retry-after" in miss.headers
        assert code.status_code == 503 and "retry-after" in code.headers
        assert len(env.upstream.requests) == calls  # nothing that could not be counted
        assert any("state file" in r.getMessage() for r in caplog.records)
        await store._run(lambda conn: conn.execute("PRAGMA query_only = OFF"))
        env.clock.advance(11)
        assert (await env.client.get("/api/groups/cricketbuzz")).status_code == 200
