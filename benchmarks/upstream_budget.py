"""Simulated load on the widget server with an injected clock: how the upstream budget holds.

    python benchmarks/upstream_budget.py [--rate 200] [--groups 60] [--minutes 10]

Drives the real app (in-process ASGI) over the embedded local GupShup with its documented
throttle, at `rate` requests per simulated second spread over `groups` groups (each view is
a widget's two calls: group info and messages). Prints the most upstream calls in any
sliding minute, the throttle tags and 113s the upstream returned (goal 0), and the median
age of the data served divided by the optimum, active keys / sustainable refresh rate
(goal <= 1.25).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from bisect import bisect_right
from datetime import datetime
from pathlib import Path

import httpx

from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.settings import Settings


class Recorder(httpx.AsyncBaseTransport):
    """Notes when each upstream call was made and what the upstream said of its throttle."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ManualClock) -> None:
        self.inner, self.clock = inner, clock
        self.times: list[float] = []
        self.tags = self.refusals = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(self.clock.now)
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.tags += b'"throttle"' in body
        self.refusals += b'"code": 113' in body
        return httpx.Response(response.status_code, headers=response.headers, content=body)


def _groups(gupshup: LocalGupShup, count: int, now: float) -> list[str]:
    names = [f"bench{n}" for n in range(count)]
    with gupshup.db.write() as conn:
        for name in names:
            gid = conn.execute("INSERT INTO groups (name, title, description, public, owner_id, "
                               "created) VALUES (?, ?, 'bench', 1, 1, 0)", (name, name)).lastrowid
            conn.executemany("INSERT INTO messages (group_id, text, time) VALUES (?, ?, ?)",
                             [(gid, f"message {m}", now - 60 * m) for m in range(20)])
    return names


def _max_per_minute(times: list[float]) -> int:
    """The most calls in any minute (t - 60, t], as the upstream's throttle counts."""
    return max((i + 1 - bisect_right(times, t - 60) for i, t in enumerate(times)), default=0)


async def run(rate: int, groups: int, minutes: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    clock = ManualClock()
    with tempfile.TemporaryDirectory() as tmp:
        # One client plays every visitor: no client's share of the budget.
        settings = Settings(data_dir=Path(tmp), client_share=1.0)
        gupshup = LocalGupShup(settings, clock)
        names = _groups(gupshup, groups, clock.now)
        recorder = Recorder(httpx.ASGITransport(app=create_gupshup_app(settings,
                                                                       service=gupshup)), clock)
        app = create_app(settings, clock=clock, transport=recorder)
        ages: list[float] = []
        served = unavailable = 0
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            for _ in range(minutes * 60):
                paths = [rng.choice(("/api/groups/{}", "/api/groups/{}/messages?range=5"))
                         .format(rng.choice(names)) for _ in range(rate)]
                for response in await asyncio.gather(*[client.get(p) for p in paths]):
                    if response.status_code == 200:
                        served += 1
                        fetched = datetime.fromisoformat(response.json()["fetched"])
                        ages.append(clock.now - fetched.timestamp())
                    else:
                        unavailable += 1
                clock.advance(1.0)
            await app.state.services.data.cache.drain()
            cache = app.state.services.data.cache
            optimum = max(1, len(cache.planner.plan())) / app.state.services.budget.refresh_rate()
        await app.state.services.data.client.aclose()
        gupshup.close()
    return {"requests": served + unavailable, "served": served, "unavailable": unavailable,
            "upstream_calls": len(recorder.times),
            "max_calls_per_minute": _max_per_minute(recorder.times),
            "throttle_tags": recorder.tags, "errors_113": recorder.refusals,
            "median_age_s": statistics.median(ages), "optimum_s": optimum,
            "age_ratio": statistics.median(ages) / optimum}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=200, help="requests per simulated second")
    parser.add_argument("--groups", type=int, default=60)
    parser.add_argument("--minutes", type=int, default=10, help="simulated minutes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    figures = asyncio.run(run(args.rate, args.groups, args.minutes, args.seed))
    print(f"load: {args.rate} req/s over {args.groups} groups for {args.minutes} simulated min")
    for name, value in figures.items():
        print(f"{name:>22}: {value:,.2f}" if isinstance(value, float) else
              f"{name:>22}: {value:,}")
    print(f"{'goals':>22}: max_calls_per_minute <= 22 (upstream warns past 25), "
          "throttle_tags = errors_113 = 0, age_ratio <= 1.25")


if __name__ == "__main__":
    main()
