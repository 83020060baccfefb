"""Freshness where visitors look: the allocation of refreshes by demand, the back-off of
keys that do not change, the floor, the cold-fill order, and refreshes ahead of demand."""

from __future__ import annotations

import contextlib
import math
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import counting_gupshup, kept_env
from tests.live import running_server
from tests.stores import budget_on
from widget_server.cache import Cache
from widget_server.clock import ManualClock
from widget_server.freshness import BACKOFF_AFTER, DECAY, FLOOR, Demand, intervals
from widget_server.metrics import Metrics
from widget_server.schedule import Scheduler
from widget_server.state.sqlite import SqliteState
from widget_server.upstream import models
from widget_server.upstream.models import Stream

pytestmark = pytest.mark.anyio


def test_refreshes_follow_the_square_root_of_demand() -> None:
    views = {"hot": 16.0, "warm": 4.0, "cool": 1.0}  # a view rate each; weights: its root
    plan = intervals({k: math.sqrt(v) for k, v in views.items()}, rate=1.0, min_ttl=0.1)
    assert sum(1 / i for i in plan.values()) == pytest.approx(1.0)  # the whole rate
    assert plan["cool"] / plan["hot"] == pytest.approx(4.0)  # sqrt(16 / 1)
    assert plan["warm"] / plan["hot"] == pytest.approx(2.0)


def test_the_hottest_are_held_to_min_ttl_and_none_falls_below_the_floor() -> None:
    weights = {"hot": 1000.0, **{f"k{n}": 0.0001 for n in range(99)}}
    plan = intervals(weights, rate=2.0, min_ttl=10.0)
    uniform = len(weights) / 2.0
    assert plan["hot"] == pytest.approx(10.0)  # not more often than min_ttl
    assert max(plan.values()) <= FLOOR * uniform + 1e-6  # every key within the floor
    assert sum(1 / i for i in plan.values()) <= 2.0 + 1e-9  # never more than the rate


def test_view_rates_decay() -> None:
    demand = Demand()
    for second in range(100):
        demand.viewed(float(second))
    fresh = demand.rate_at(100.0)
    assert demand.rate_at(100.0 + DECAY * math.log(2)) == pytest.approx(fresh / 2)


def test_a_key_that_never_changes_backs_off_and_gets_its_share_back() -> None:
    demand = Demand()
    demand.viewed(0.0)
    full = demand.weight(0.0)
    for _ in range(BACKOFF_AFTER):
        demand.refreshed(changed=False)
    assert demand.weight(0.0) == full  # a few quiet refreshes are nothing
    for _ in range(10):
        demand.refreshed(changed=False)
    assert demand.weight(0.0) < full
    demand.refreshed(changed=True)
    assert demand.weight(0.0) == full


async def test_a_cold_fill_fetches_the_most_wanted_first(store: SqliteState,
                                                         clock: ManualClock) -> None:
    budget = budget_on(store, clock, (3, 950, 9500), (1, 50, 500))
    cache = Cache(clock, budget, Metrics(), maxsize=100, min_ttl=60, error_ttl=30,
                  active_horizon=900, shared=store)
    fetched: list[str] = []

    def fetcher(name: str):  # type: ignore[no-untyped-def]
        async def fetch() -> str:
            await budget.settle(await budget.acquire())
            fetched.append(name)
            return name
        return fetch

    demand = {"a": 1, "b": 5, "c": 3, "d": 2, "e": 4}
    for _ in range(5):
        for name, times in demand.items():
            if times:
                demand[name] -= 1
                with contextlib.suppress(Exception):  # refused by the budget: wanted
                    await cache.get(name, fetcher(name))
    first = list(fetched)
    assert len(first) == 2  # the minute's refresh budget
    clock.advance(61)
    scheduler = Scheduler(cache, clock)
    scheduler._tokens = 3.0
    scheduler.tick()
    await cache.drain()
    wanted = [n for n in fetched[2:]]
    counts = {"a": 1, "b": 5, "c": 3, "d": 2, "e": 4}
    assert wanted == sorted(wanted, key=lambda n: -(counts[n] - (n in first)))


def test_refreshes_come_ahead_of_demand(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    with counting_gupshup(tmp_path / "upstream") as (url, counting, gupshup), \
            running_server(["serve", "--upstream", url], {
                **env, "WIDGET_DATA_DIR": str(tmp_path / "data"), "WIDGET_MIN_TTL": "1",
                "WIDGET_BUDGET": "600,36000,864000", **kept_env("4,50,500"),
                "WIDGET_HOT_TTL": "0"}) as server:
        path = server.base + "/api/groups/jumpy/messages"
        for _ in range(2):  # a key visitors come back to
            assert httpx.get(path).status_code == 200
        with gupshup.db.write() as conn:
            conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                         "'breaking news', ? FROM groups WHERE name = 'jumpy'", (time.time(),))
        calls = len(counting.arrivals)
        time.sleep(3.5)  # nobody looks meanwhile
        assert len(counting.arrivals) > calls  # refreshed unasked
        seen = httpx.get(path).json()  # the first view finds the news already there
        assert seen["messages"][0]["text"] == "breaking news"


async def test_processes_sharing_a_store_refresh_each_key_once(store: SqliteState,
                                                               clock: ManualClock) -> None:
    ceilings, reserve = (600, 36000, 864000), (4, 50, 500)
    caches = [Cache(clock, budget_on(store, clock, ceilings, reserve), Metrics(), maxsize=10,
                    min_ttl=10, error_ttl=30, active_horizon=900, shared=store)
              for _ in range(2)]
    calls = 0

    async def fetch() -> Stream:
        nonlocal calls
        calls += 1  # new data every time: no back-off in play
        return models.stream({"total": calls, "messages": [
            {"id": str(calls), "group": "jumpy", "text": "news", "time": "2026-11-01T00:00:00Z"}]})

    for cache in caches:
        for _ in range(2):  # each process's visitors come back to it
            await cache.get("stream:jumpy:0", fetch)
    schedulers = [Scheduler(cache, clock) for cache in caches]
    before = calls
    for _ in range(100):
        clock.advance(1)
        for scheduler, cache in zip(schedulers, caches, strict=True):
            scheduler.tick()
            await cache.drain()
    # One key, refreshed every min_ttl (10 s) by whichever process's turn comes first.
    assert 9 <= calls - before <= 11
