"""Several instances on a real Redis (the tests' own, database 15, keys under a prefix
of each test's own, deleted afterwards): one budget, one fetch per key, Redis failing."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness import Switchable, forget_keys, kept, local_upstream, serving
from tests.redis_proxy import RedisProxy
from tests.redis_server import redis_url
from tests.stores import budget_on
from tests.test_budget import assert_within, run_schedule
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.entries import Entry
from widget_server.schedule import TICK
from widget_server.settings import Settings
from widget_server.state.codec import decode, encode
from widget_server.state.redis import RedisState
from widget_server.upstream import models
from widget_server.upstream.budget import Budget
from widget_server.upstream.errors import BudgetExhausted, GroupNotFound

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
DB = 15


@dataclass
class Cluster:
    clock: ManualClock
    upstream: Switchable
    apps: list[Any]
    clients: list[httpx.AsyncClient]
    prefix: str

    async def get(self, instance: int, path: str) -> httpx.Response:
        return await self.clients[instance].get(path)

    async def settle(self) -> None:
        self.clock.advance(TICK)  # the schedulers' next turn
        for app in self.apps:
            await app.state.services.scheduler.step()
            await app.state.services.data.cache.drain()
        await asyncio.sleep(0.05)  # budget news posted to Redis in the background


@contextlib.asynccontextmanager
async def cluster(tmp: Path, instances: int = 2, url: str | None = None,
                  **overrides: Any) -> AsyncIterator[Cluster]:
    prefix = f"test:{uuid.uuid4().hex}:"
    clock = ManualClock()
    settings = Settings(data_dir=tmp / "data", redis_url=url or redis_url(), redis_prefix=prefix,
                        **{"hot_ttl": 0.0, "client_share": 1.0, **overrides})  # one client: all
    gupshup, upstream = local_upstream(settings, clock)
    apps = [create_app(settings, clock=clock, transport=upstream) for _ in range(instances)]
    try:
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(serving(app)) for app in apps]
            yield Cluster(clock, upstream, apps, clients, prefix)
    finally:
        gupshup.close()
        await forget_keys(prefix)


async def test_two_instances_draw_on_one_budget(tmp_path: Path) -> None:
    async with cluster(tmp_path, budget=(4, 950, 9500), **kept((1, 50, 500))) as c:
        statuses = [(await c.get(i % 2, f"/api/groups/group{i}")).status_code
                    for i in range(10)]
        assert len(c.upstream.requests) == 3  # 4 a minute, less the reserve of 1
        assert statuses.count(503) == 7
        c.clock.advance(60)
        await c.settle()  # both schedulers fetch the refused misses: 3 in all, not 3 each
        assert len(c.upstream.requests) == 6


async def test_one_upstream_call_for_a_cold_key_across_instances(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        answers = await asyncio.gather(*[c.get(i % 2, "/api/groups/jumpy/messages")
                                         for i in range(60)])
        assert {a.status_code for a in answers} == {200}
        assert c.upstream.methods() == ["groups.getStream"]
        assert len({a.json()["fetched"] for a in answers}) == 1


async def test_a_refresh_by_one_instance_serves_the_other(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        first = (await c.get(0, "/api/groups/jumpy")).json()
        assert (await c.get(1, "/api/groups/jumpy")).json() == first
        assert len(c.upstream.requests) == 1
        c.clock.advance(61)
        for i in range(2):
            assert (await c.get(i, "/api/groups/jumpy")).json()["stale"] is True
        await c.settle()
        assert len(c.upstream.requests) == 2
        fresh = [(await c.get(i, "/api/groups/jumpy")).json() for i in range(2)]
        assert fresh[0] == fresh[1] and fresh[0]["stale"] is False
        # Errors are shared too: one call finds out a group does not exist.
        for i in range(2):
            assert (await c.get(i, "/api/groups/nosuch")).status_code == 404
        assert len(c.upstream.requests) == 3


async def test_error_113_on_one_instance_stops_the_other(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        c.upstream.mode = "113"
        assert (await c.get(0, "/api/groups/jumpy")).status_code == 503
        await c.settle()
        c.upstream.mode = "ok"
        answer = await c.get(1, "/api/groups/cricketbuzz")
        assert answer.status_code == 503 and int(answer.headers["retry-after"]) > 30
        assert len(c.upstream.requests) == 1


async def test_redis_going_away_mid_run(tmp_path: Path) -> None:
    async with RedisProxy.running() as proxy, cluster(tmp_path, url=proxy.url(DB)) as c:
        assert (await c.get(0, "/api/groups/jumpy")).status_code == 200
        await proxy.cut()
        fresh = await c.get(0, "/api/groups/jumpy")  # in-process entry, still fresh
        assert fresh.status_code == 200 and fresh.json()["stale"] is False
        c.clock.advance(61)
        stale = await c.get(0, "/api/groups/jumpy")
        assert stale.status_code == 200 and stale.json()["stale"] is True
        cold = await c.get(0, "/api/groups/cricketbuzz")
        assert cold.status_code == 503 and "retry-after" in cold.headers
        await c.settle()
        assert len(c.upstream.requests) == 1  # no upstream call without Redis
        assert (await c.get(0, "/metrics")).status_code == 200
        await proxy.restore()
        c.clock.advance(11)  # past the retry pause of a failed refresh
        await c.get(0, "/api/groups/jumpy")
        await c.settle()
        assert (await c.get(0, "/api/groups/jumpy")).json()["stale"] is False
        assert (await c.get(1, "/api/groups/cricketbuzz")).status_code == 200
        assert len(c.upstream.requests) == 3


async def test_the_budget_survives_redis_losing_its_scripts(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        assert (await c.get(0, "/api/groups/jumpy")).status_code == 200
        direct = aioredis.Redis.from_url(redis_url())
        await direct.script_flush()  # as after a restart
        await direct.aclose()
        assert (await c.get(1, "/api/groups/cricketbuzz")).status_code == 200


async def test_unreadable_shared_entries_are_ignored(tmp_path: Path) -> None:
    async with cluster(tmp_path) as c:
        direct = aioredis.Redis.from_url(redis_url())
        await direct.set(c.prefix + "cache:info:jumpy", b'{"value": {"kind": "group"')
        await direct.aclose()
        answer = await c.get(0, "/api/groups/jumpy")
        assert answer.status_code == 200 and answer.json()["group"]["name"] == "jumpy"


def test_entries_survive_the_trip_through_json() -> None:
    group = models.group({"group": {"name": "jumpy", "title": "T", "description": "<b>",
                                    "public": True, "members": 3, "posts": 9,
                                    "created": "2026-01-01T00:00:00Z", "lastPost": None}})
    stream = models.stream({"total": 2, "messages": [
        {"id": "1", "group": "jumpy", "text": "hi", "time": "2026-01-01T00:00:00Z"}]})
    for value in (group, stream, models.Stream((), None)):
        back = decode(encode(Entry(value=value, fetched=5.0, version=3)).encode())
        assert back is not None and back.value == value and back.fetched == 5.0
    error = decode(encode(Entry(error=GroupNotFound(2, "no"), retry_at=9.0)).encode())
    assert error is not None and isinstance(error.error, GroupNotFound) and error.retry_at == 9
    assert decode(b"\xff") is None and decode(b'{"value": 1}') is None


SMALL, SMALL_RESERVE = (5, 20, 60), (1, 3, 5)


@contextlib.asynccontextmanager
async def redis_budgets(clock: ManualClock, count: int) -> AsyncIterator[list[Budget]]:
    prefix = f"test:{uuid.uuid4().hex}:"
    stores = [RedisState(redis_url(), prefix) for _ in range(count)]
    try:
        yield [budget_on(store, clock, SMALL, SMALL_RESERVE) for store in stores]
    finally:
        for store in stores:
            await store.aclose()
        await forget_keys(prefix)


@given(st.lists(st.tuples(st.floats(0, 3000, allow_nan=False), st.booleans(),
                          st.integers(0, 1)), min_size=1, max_size=120))
@settings(max_examples=25, deadline=None)
async def test_shared_windows_never_exceed_their_ceilings(
        steps: list[tuple[float, bool, int]]) -> None:
    clock = ManualClock()
    async with redis_budgets(clock, 2) as budgets:
        calls, refreshes = await run_schedule(clock, budgets, steps)
    assert_within(calls, refreshes, SMALL, SMALL_RESERVE)


async def test_concurrent_calls_from_two_instances_get_exactly_the_ceiling() -> None:
    clock = ManualClock()
    async with redis_budgets(clock, 2) as budgets:
        async def take(budget: Budget) -> bool:
            try:
                await budget.acquire()
            except BudgetExhausted:
                return False
            return True
        admitted = await asyncio.gather(*[take(budgets[i % 2]) for i in range(60)])
        assert sum(admitted) == SMALL[0] - SMALL_RESERVE[0]
        await budgets[0].acquire("confirm")  # the reserve is still there
        assert (await budgets[1].remaining())["minute"] == 0
        with pytest.raises(BudgetExhausted) as refused:
            await budgets[1].acquire()
        assert 59 <= refused.value.retry_after <= 60


async def test_the_fetch_lock_has_an_owner_and_a_time_limit() -> None:
    store = RedisState(redis_url(), f"test:{uuid.uuid4().hex}:")
    try:
        token = await store.lock("info:jumpy", ttl=0.3)
        assert token is not None
        assert await store.lock("info:jumpy", ttl=0.3) is None  # held
        await store.unlock("info:jumpy", "not-the-owner")
        assert await store.lock("info:jumpy", ttl=0.3) is None  # still held
        await asyncio.sleep(0.35)  # the holder died: the lock expires by itself
        again = await store.lock("info:jumpy", ttl=5)
        assert again is not None
        await store.unlock("info:jumpy", token)  # the first owner's late unlock: ignored
        assert await store.lock("info:jumpy", ttl=5) is None
        await store.unlock("info:jumpy", again)
        assert await store.lock("info:jumpy", ttl=5) is not None
    finally:
        await forget_keys(store.prefix)
        await store.aclose()


async def test_no_sms_while_the_shared_limits_cannot_be_counted(tmp_path: Path) -> None:
    async with RedisProxy.running() as proxy, cluster(tmp_path, url=proxy.url(DB)) as c:
        await proxy.cut()
        answer = await c.clients[0].post("/api/groups/jumpy/subscribe",
                                         data={"phone": "9819535746"},
                                         headers={"Sec-Fetch-Site": "same-origin"})
        assert answer.status_code == 503 and answer.json()["code"] == "unavailable"
        assert "retry-after" in answer.headers
        assert c.upstream.requests == []
        await proxy.restore()
        answer = await c.clients[1].post("/api/groups/jumpy/subscribe",
                                         data={"phone": "9819535746"},
                                         headers={"Sec-Fetch-Site": "same-origin"})
        assert answer.status_code == 200
