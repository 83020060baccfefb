"""The cache: single flight, stale-while-revalidate, error caching, stretching intervals."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.harness import kept, widget_env
from tests.stores import budget_on
from widget_server.cache import Cache
from widget_server.clock import ManualClock
from widget_server.metrics import Metrics
from widget_server.state.sqlite import SqliteState
from widget_server.upstream.errors import GroupNotFound

pytestmark = pytest.mark.anyio


async def test_100_concurrent_cold_requests_make_one_upstream_call(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        responses = await asyncio.gather(*[env.client.get("/api/groups/jumpy/messages")
                                           for _ in range(100)])
        assert {r.status_code for r in responses} == {200}
        assert env.upstream.methods() == ["groups.getStream"]


async def test_every_smaller_range_is_sliced_from_one_fetch(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        for count in range(1, 16):
            body = (await env.client.get(f"/api/groups/jumpy/messages?range={count}")).json()
            assert len(body["messages"]) == count
        latest = (await env.client.get("/api/groups/jumpy/latest")).json()
        assert latest["message"]["id"] == body["messages"][0]["id"]
        assert env.upstream.methods() == ["groups.getStream"]
        assert env.upstream.requests[0].url.params["range"] == "15"


async def test_stale_is_served_at_once_while_one_refresh_runs(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        first = (await env.client.get("/api/groups/jumpy")).json()
        env.clock.advance(61)
        stale = await asyncio.gather(*[env.client.get("/api/groups/jumpy") for _ in range(10)])
        assert all(r.json()["stale"] for r in stale)
        assert all(r.json()["fetched"] == first["fetched"] for r in stale)
        await env.settle()  # the scheduler's turn: one refresh for all ten
        assert env.upstream.methods() == ["groups.getInfo", "groups.getInfo"]
        fresh = (await env.client.get("/api/groups/jumpy")).json()
        assert fresh["stale"] is False and fresh["fetched"] != first["fetched"]


async def test_errors_are_cached_briefly(tmp_path: Path) -> None:
    async with widget_env(tmp_path, error_ttl=30.0) as env:
        for _ in range(5):
            assert (await env.client.get("/api/groups/nosuchgroup")).status_code == 404
        assert len(env.upstream.requests) == 1
        env.clock.advance(31)
        assert (await env.client.get("/api/groups/nosuchgroup")).status_code == 404
        assert len(env.upstream.requests) == 2


async def test_last_good_value_is_never_replaced_by_an_error(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        await env.refresh_into("not_found", "/api/groups/jumpy")
        after = await env.client.get("/api/groups/jumpy")
        assert after.status_code == 200
        assert after.json()["group"]["name"] == "jumpy" and after.json()["stale"] is True


async def test_a_waiter_going_away_does_not_cancel_the_fetch_for_others(
        store: SqliteState, clock: ManualClock) -> None:
    cache = Cache(clock, budget_on(store, clock), Metrics(),
                  maxsize=10, min_ttl=60, error_ttl=30, active_horizon=900)
    release = asyncio.Event()
    calls = 0

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "value"

    leaving = asyncio.create_task(cache.get("k", fetch))
    staying = asyncio.create_task(cache.get("k", fetch))
    await asyncio.sleep(0.01)
    leaving.cancel()
    release.set()
    assert (await staying).value == "value"
    assert calls == 1
    assert leaving.cancelled()


async def test_refresh_interval_stretches_with_keys_in_use(store: SqliteState,
                                                           clock: ManualClock) -> None:
    budget = budget_on(store, clock)
    cache = Cache(clock, budget, Metrics(), maxsize=1000, min_ttl=60, error_ttl=30,
                  active_horizon=900)

    async def fetch() -> int:
        return 1

    assert cache.planner.uniform() == 60
    for n in range(100):
        for _ in range(2):  # keys count once visitors come back to them
            await cache.get(f"k{n}", fetch)
    clock.advance(1)
    assert cache.planner.uniform() == pytest.approx(100 / budget.refresh_rate())
    clock.advance(901)  # nobody looked at them since: they stop counting
    assert cache.planner.uniform() == 60


async def test_unknown_group_errors_do_not_evict_good_entries(tmp_path: Path) -> None:
    async with widget_env(tmp_path, cache_size=3, budget=(3, 950, 9500),
                          **kept((1, 50, 500))) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        assert (await env.client.get("/api/groups/nosuch1")).status_code == 404
        for n in range(20):  # refused by the budget: no entries made for them
            assert (await env.client.get(f"/api/groups/flood{n}")).status_code == 503
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200


def test_group_not_found_is_an_upstream_error() -> None:
    assert issubclass(GroupNotFound, Exception)
