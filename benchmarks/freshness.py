"""How late news reaches visitors: the feed watcher against per-key polling by the
square-root rule, side by side, at 100, 1,000 and 10,000 viewed groups on the default
budget (22, 950, 9,500 with its reserve), with the real cache, scheduler, feed watcher
and live hub on an injected clock, over a local GupShup.

    python -m benchmarks.freshness [--groups 100,1000,10000] [--minutes 20] [--views 20]

The upstream holds max(1,000, K) public groups; posts come at 30 a minute in all, to
groups drawn at Zipf rates (s = 1) in an order unrelated to the views; visitors view the
K groups at Zipf rates (s = 1), `--views` a simulated second. The cache starts warm (every
viewed group fetched once outside the budget: a cold fill of 10,000 groups takes the
budget days) and the first five simulated minutes are not measured.

For each view: its lag is the age of the oldest post among the group's 15 newest that the
answer lacks (0 when it lacks none), a stricter measure than the newest missing post's.
Printed: the view-weighted mean and p90 lag, the share of views that lacked a post made
more than a second earlier, the mean and p90 lag until an open widget is told (the live
hub's own loop), the calls made and the busiest minute and hour against their ceilings.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import statistics
import tempfile
from pathlib import Path
from typing import Any

import httpx

from benchmarks.calls import Calls
from widget_server import keys as cache_keys
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.entries import Entry
from widget_server.feed.status import FeedStatus
from widget_server.feed.watcher import STATUS
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.live import LiveHub
from widget_server.schedule import Scheduler
from widget_server.settings import Settings
from widget_server.upstream import models

POSTS_A_SECOND = 0.5
WARMUP = 300
WIDGETS = 10  # open live widgets, on the groups that post most


def _groups(gupshup: LocalGupShup, count: int, now: float) -> list[str]:
    names = [f"g{n}" for n in range(count)]
    with gupshup.db.write() as conn:
        conn.executemany("INSERT INTO groups (name, title, description, public, owner_id, "
                         "created) VALUES (?, ?, '', 1, 1, ?)",
                         [(n, n.upper(), now - 86400) for n in names])
        conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                     "'first', ? FROM groups WHERE name LIKE 'g%'", (now - 3600,))
    return names


def _post(gupshup: LocalGupShup, group: str, now: float, n: int) -> str:
    with gupshup.db.write() as conn:
        cur = conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                           "?, ? FROM groups WHERE name = ?", (f"news {n}", now, group))
        return str(cur.lastrowid)


async def _warm(app: Any, gupshup: LocalGupShup, names: list[str], now: float,
                rng: random.Random) -> None:
    """Every viewed group's info and first page, fetched outside the budget at times
    spread over the last uniform interval: a cache in its steady state, not all of it
    fetched in the same second."""
    spread = 2 * len(names) / app.state.services.budget.refresh_rate()
    upstream = create_gupshup_app(app.state.services.settings, service=gupshup)
    cache = app.state.services.cache
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=upstream, client=("203.0.113.9", 0)), base_url="http://up") as client:
        for name in names:
            for key, method, shape in ((cache_keys.stream(name, 0), "groups.getStream",
                                        models.stream),
                                       (cache_keys.info(name), "groups.getInfo", models.group)):
                body = (await client.get("/GupshupAPI/rest", params={
                    "method": method, "v": "1.0", "format": "json", "group": name,
                    "range": 15})).json()["response"]
                cache.entries.keep(key, Entry(value=shape(body), version=1,
                                              fetched=now - rng.uniform(0, spread)))


def _lag(posts: list[tuple[str, float]], served: models.Stream, now: float) -> float:
    held = {m.id for m in served.messages}
    missing = [t for pid, t in posts[-15:] if pid not in held and t < now]
    return now - min(missing) if missing else 0.0


async def run(viewed: int, feed: bool, views: int, minutes: float) -> dict[str, Any]:
    clock, rng = ManualClock(), random.Random(viewed)
    with tempfile.TemporaryDirectory() as tmp:
        # Room for every viewed group's two keys (and offsets): an operator with 10,000
        # groups in use sets WIDGET_CACHE_SIZE so (the default holds 10,000 keys).
        settings = Settings(data_dir=Path(tmp), hot_ttl=0.0, client_share=1.0,
                            cache_size=max(10_000, 3 * viewed),
                            throttle_warn=(10**6,) * 3, throttle_limit=(10**6 + 1,) * 3)
        gupshup = LocalGupShup(settings, clock)
        names = _groups(gupshup, max(1000, viewed), clock())
        calls = Calls(httpx.ASGITransport(app=create_gupshup_app(settings, service=gupshup),
                                          client=(gupshup.inprocess_client, 0)), clock)
        app = create_app(settings, clock=clock, transport=calls)
        services = app.state.services
        data, cache = services.data, services.cache
        scheduler = Scheduler(cache, clock, services.scheduler.watcher if feed else None)
        view_weights = list(itertools.accumulate(1 / (i + 1) for i in range(viewed)))
        poster = names[:]
        rng.shuffle(poster)
        post_weights = list(itertools.accumulate(1 / (i + 1) for i in range(len(poster))))
        await _warm(app, gupshup, sorted(set(names[:viewed] + poster[:WIDGETS])), clock(),
                    rng)
        if feed:  # it has been watching all along: it goes on from the newest post
            first = (await data.fetch_page(None, 0)()).messages
            calls.times.clear()
            await services.state.append(STATUS, FeedStatus(
                mode="feed", since=-math.inf, checked=clock(),
                seen=tuple(m.id for m in first)).encode(), 1)
        hub = LiveHub(cache, clock, services.metrics, WIDGETS)
        widgets = [(name, hub.listening(cache_keys.stream(name, 0)))
                   for name in poster[:WIDGETS]]  # open on the groups that post most
        for _, listening in widgets:
            listening.__enter__()
        posts: dict[str, list[tuple[str, float]]] = {}
        told: dict[str, float] = {}  # a widget's group: when its newest post was posted
        lags, widget_lags, post_lags = [], [], list[float]()
        pending: dict[str, list[tuple[str, float]]] = {}  # posts not yet in the cache
        versions = {name: hub.version(cache_keys.stream(name, 0)) for name, _ in widgets}
        for second in range(int(WARMUP + minutes * 60)):
            measuring = second >= WARMUP
            for _ in range(_poisson(rng, POSTS_A_SECOND)):
                group = rng.choices(poster, cum_weights=post_weights)[0]
                post = (_post(gupshup, group, clock(), second), clock())
                posts.setdefault(group, []).append(post)
                if measuring and cache.entries.get(cache_keys.stream(group, 0)) is not None:
                    pending.setdefault(group, []).append(post)
            await scheduler.step()
            if scheduler.watcher is not None:
                await scheduler.watcher.drain()
            await cache.drain()
            for group in rng.choices(names[:viewed], cum_weights=view_weights, k=views):
                try:
                    served = await data.messages(group)
                except Exception:
                    continue
                if measuring:
                    lags.append(_lag(posts.get(group, []), served.value, clock()))
            await cache.drain()
            _arrived(cache, pending, post_lags, clock())
            hub.look()  # as its loop does once a second: the widgets are told now
            for name, _ in widgets:
                version = hub.version(cache_keys.stream(name, 0))
                if version != versions[name]:
                    versions[name] = version
                    held = cache.entries.get(cache_keys.stream(name, 0))
                    for pid, at in posts.get(name, []):
                        if held is not None and at > told.get(name, 0) and \
                                pid in {m.id for m in held.value.messages}:
                            told[name] = at
                            if measuring:
                                widget_lags.append(clock() - at)
            clock.advance(1.0)
        services_calls = len(calls.times)
        wrong = await _wrong_pages(app, gupshup, names[:viewed])
        await calls.inner.aclose()
        await services.state.aclose()
        gupshup.close()
    return {"viewed": viewed, "way": "feed" if feed else "square-root",
            "lag_mean": round(statistics.fmean(lags), 1),
            "lag_p90": round(statistics.quantiles(lags, n=10)[-1], 1),
            "views_lacking": round(sum(1 for x in lags if x > 1) / len(lags), 3),
            "lacking_mean": round(statistics.fmean([x for x in lags if x > 1] or [0.0]), 1),
            "widget_mean": round(statistics.fmean(widget_lags), 1) if widget_lags else None,
            "widget_p90": round(statistics.quantiles(widget_lags, n=10)[-1], 1)
            if len(widget_lags) > 1 else None,
            "post_mean": round(statistics.fmean(post_lags), 1) if post_lags else None,
            "post_p90": round(statistics.quantiles(post_lags, n=10)[-1], 1)
            if len(post_lags) > 1 else None,
            "posts_never": sum(len(v) for v in pending.values()),
            "wrong_pages": wrong,
            "calls": services_calls, "busiest_minute": calls.busiest(60),
            "busiest_hour": calls.busiest(3600), "ceilings": list(settings.budget)}


async def _wrong_pages(app: Any, gupshup: LocalGupShup, names: list[str]) -> int:
    """Cached first pages the feed vouches for that are not the upstream's page as of the
    feed's last poll (a duplicate, a post missing, out of order or from another group)."""
    upstream = create_gupshup_app(app.state.services.settings, service=gupshup)
    cache = app.state.services.cache
    checked = cache.planner.feed.checked
    wrong = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=upstream, client=("203.0.113.9", 0)), base_url="http://up") as client:
        for name in names:
            key = cache_keys.stream(name, 0)
            entry = cache.entries.get(key)
            if entry is None or not cache.planner.feed.covers(key, entry.fetched, checked):
                continue
            body = (await client.get("/GupshupAPI/rest", params={
                "method": "groups.getStream", "v": "1.0", "format": "json", "group": name,
                "range": 15})).json()["response"]
            # Their newest 15 now, less what came after the poll: ours must begin so.
            theirs = [m.id for m in models.stream(body).messages
                      if m.time.timestamp() <= checked]
            ours = [m.id for m in entry.value.messages]
            wrong += ours[:len(theirs)] != theirs or len(set(ours)) != len(ours) \
                or any(m.group != name for m in entry.value.messages)
    return wrong


def _arrived(cache: Any, pending: dict[str, list[tuple[str, float]]], lags: list[float],
             now: float) -> None:
    """The posts to cached groups that the server's answer now holds: how long they took."""
    for group, waiting in list(pending.items()):
        entry = cache.entries.get(cache_keys.stream(group, 0))
        held = {m.id for m in entry.value.messages} if entry is not None else set()
        lags += [now - at for pid, at in waiting if pid in held]
        pending[group] = [(pid, at) for pid, at in waiting if pid not in held]


def _poisson(rng: random.Random, mean: float) -> int:
    count, limit, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", default="100,1000,10000")
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--views", type=int, default=20, help="views a simulated second")
    args = parser.parse_args()
    for viewed in (int(n) for n in args.groups.split(",")):
        for feed in (True, False):
            result = asyncio.run(run(viewed, feed, args.views, args.minutes))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
