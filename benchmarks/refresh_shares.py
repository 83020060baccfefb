"""How fresh the data visitors see is, for the refresh budget spent: the real cache, budget
and scheduler on an injected clock, over a local GupShup with K groups and a new message
every few seconds, with views following Zipf's law.

    python -m benchmarks.refresh_shares [--budget 120,7200,172800] [--views 20] [--minutes 20]

For each (K, s) it prints, against the uniform schedule (every key refreshed alike:
keys ÷ rate apart, so a view finds data keys ÷ 2·rate old on average): the view-weighted
mean and p90 age of the data served ÷ the uniform mean age, the oldest active key's age ÷
the uniform interval, the most upstream calls in any minute (and the ceiling), and the
refreshes that brought nothing new. Goals at s = 1: mean ≤ 0.72 for K = 100 (the optimum
is 0.67) and ≤ 0.56 for K = 1000 (0.51). Then the same with the default budget
(22, 950, 9,500) for 60 and 600 groups.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import tempfile
from pathlib import Path
from typing import Any

import httpx

from benchmarks.calls import Calls
from tests.harness import kept
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.schedule import Scheduler
from widget_server.settings import Settings

POST_EVERY = 3.0  # seconds between new messages, each to a random group


def _groups(gupshup: LocalGupShup, count: int, now: float) -> list[str]:
    names = [f"g{n}" for n in range(count)]
    with gupshup.db.write() as conn:
        for name in names:
            group = conn.execute("INSERT INTO groups (name, title, description, public, "
                                 "owner_id, created) VALUES (?, ?, '', 1, 1, ?)",
                                 (name, name.upper(), now - 86400)).lastrowid
            conn.execute("INSERT INTO messages (group_id, user_id, text, time) VALUES "
                         "(?, 1, 'first', ?)", (group, now - 3600))
    return names


def _post(gupshup: LocalGupShup, group: str, now: float, n: int) -> None:
    with gupshup.db.write() as conn:
        conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, ?, ? "
                     "FROM groups WHERE name = ?", (f"news {n}", now, group))


async def run(keys: int, s: float, budget: tuple[int, int, int], views: int,
              minutes: float) -> dict[str, Any]:
    clock, rng = ManualClock(), random.Random(keys * 7 + int(s * 10))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), budget=budget, **kept((1, 1, 1)),
                            min_ttl=2.0, active_horizon=900.0, hot_ttl=0.0,
                            client_share=1.0, throttle_warn=(10**6,) * 3,
                            throttle_limit=(10**6 + 1,) * 3)
        gupshup = LocalGupShup(settings, clock)
        names = _groups(gupshup, keys, clock())
        calls = Calls(httpx.ASGITransport(app=create_gupshup_app(settings, service=gupshup),
                                          client=(gupshup.inprocess_client, 0)), clock)
        app = create_app(settings, clock=clock, transport=calls)
        data, cache = app.state.services.data, app.state.services.data.cache
        scheduler = Scheduler(cache, clock)
        weights = list(itertools.accumulate(1 / (i + 1) ** s for i in range(keys)))
        # Long enough to fill every key at the minute's pace, and to see each key's
        # refresh come round twice (with the default budget, 600 groups take hours).
        rate = app.state.services.budget.refresh_rate()
        warmup = max(600.0, 1.5 * keys * 60 / (budget[0] - 1))
        measured = max(minutes * 60, 2 * keys / rate)
        ages: list[float] = []
        oldest, posts = 0.0, 0
        for second in range(int(warmup + measured)):
            scheduler.tick()  # it runs all the time; here once a simulated second
            await cache.drain()
            for group in rng.choices(names, cum_weights=weights, k=views):
                try:
                    served = await data.messages(group)
                except Exception:
                    continue
                if second >= warmup:
                    ages.append(clock() - served.fetched)
            await cache.drain()  # the misses' fetches
            if second % int(POST_EVERY) == 0:
                posts += 1
                _post(gupshup, rng.choice(names), clock(), posts)
            if second >= warmup and second % 30 == 0:
                oldest = max(oldest, _oldest(cache, clock()))
            clock.advance(1.0)
        uniform_interval = keys / rate
        wasted = app.state.services.metrics.refreshes.labels(changed="no")._value.get()
        refreshes = wasted + app.state.services.metrics.refreshes.labels(changed="yes")._value.get()
        await calls.inner.aclose()
        await app.state.services.state.aclose()
        gupshup.close()
    uniform_age = uniform_interval / 2
    return {"keys": keys, "s": s, "budget": list(budget),
            "mean_ratio": round(statistics.fmean(ages) / uniform_age, 3),
            "p90_ratio": round(statistics.quantiles(ages, n=10)[-1] / uniform_age, 3),
            "oldest_ratio": round(oldest / uniform_interval, 2),
            "busiest_minute": calls.busiest(), "ceiling": budget[0],
            "refreshes": int(refreshes), "wasted": int(wasted)}


def _oldest(cache: Any, now: float) -> float:
    entries = [cache.entries.get(key) for key in cache.planner.plan()]
    return max((now - e.fetched for e in entries if e is not None), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", default="120,7200,172800")
    parser.add_argument("--views", type=int, default=20, help="views a simulated second")
    parser.add_argument("--minutes", type=float, default=20,
                        help="measured at least, after the warm-up (the cold fill)")
    args = parser.parse_args()
    budget = tuple(int(n) for n in args.budget.split(","))
    assert len(budget) == 3
    configs = [(k, s, budget) for k in (100, 1000) for s in (0.8, 1.0, 1.2)]
    configs += [(k, 1.0, (22, 950, 9500)) for k in (60, 600)]
    for keys, s, b in configs:
        print(json.dumps(asyncio.run(run(keys, s, b, args.views, args.minutes))), flush=True)


if __name__ == "__main__":
    main()
