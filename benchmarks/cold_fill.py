"""A fresh server under load on a blog's 26 keys: how fast the budget fills a cold cache.

    python -m benchmarks.cold_fill [--rate 120] [--seconds 160]

Drives the real app (in-process ASGI, an injected clock) over the embedded local GupShup
with the shipped budget and floors: `rate` requests a simulated second, spread evenly over
13 groups' widgets (info and messages: 26 keys) and over 8 reader addresses, on a server
that has never fetched anything. Prints the share of answers served (200) before and after
100 s, when each key was first served, and the busiest minute of upstream calls; then the
same load from one address alone (each client takes at most a third of the first views'
room), for comparison in the same run. The goal (issue 20): >= 98 % served after 100 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from pathlib import Path

import httpx

from benchmarks.upstream_budget import Recorder, _groups, _max_per_minute
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.settings import Settings

GROUPS = 13
SETTLED = 100.0


async def run(rate: int, seconds: int, addresses: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    clock = ManualClock()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), trusted_proxies=("127.0.0.1",))
        gupshup = LocalGupShup(settings, clock)
        names = _groups(gupshup, GROUPS, clock.now)
        recorder = Recorder(httpx.ASGITransport(app=create_gupshup_app(settings,
                                                                       service=gupshup)), clock)
        app = create_app(settings, clock=clock, transport=recorder)
        paths = [p.format(n) for n in names for p in ("/api/groups/{}", "/api/groups/{}/messages")]
        served = {"early": 0, "late": 0}
        asked = {"early": 0, "late": 0}
        first_served: dict[str, float] = {}
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            start = clock.now
            for _ in range(seconds):
                elapsed = clock.now - start
                batch = [(rng.choice(paths), f"198.51.100.{rng.randrange(addresses)}")
                         for _ in range(rate)]
                answers = await asyncio.gather(*[client.get(
                    path, headers={"X-Forwarded-For": who}) for path, who in batch])
                part = "early" if elapsed < SETTLED else "late"
                for (path, _), answer in zip(batch, answers, strict=True):
                    asked[part] += 1
                    if answer.status_code == 200:
                        served[part] += 1
                        first_served.setdefault(path, elapsed)
                clock.advance(1.0)
                await asyncio.sleep(0.01)  # the scheduler's turn
        gupshup.close()
    filled = max(first_served.values()) if len(first_served) == len(paths) else float("inf")
    return {"served_before_100s": served["early"] / max(1, asked["early"]),
            "served_after_100s": served["late"] / max(1, asked["late"]),
            "keys_served": len(first_served), "all_keys_by_s": filled,
            "upstream_calls": len(recorder.times),
            "busiest_minute": _max_per_minute(recorder.times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=120, help="requests a simulated second")
    parser.add_argument("--seconds", type=int, default=160, help="simulated seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"cold server, {2 * GROUPS} keys, {args.rate} req/s for {args.seconds} s "
          "(shipped budget 22/950/9500 and floors)")
    for addresses in (8, 1):
        figures = asyncio.run(run(args.rate, args.seconds, addresses, args.seed))
        print(f"  from {addresses} address{'es' if addresses > 1 else ''}:")
        for name, value in figures.items():
            shown = f"{value:.1%}" if name.startswith("served") else (
                f"{value:,.0f}" if value != float("inf") else "never")
            print(f"    {name:>20}: {shown}")
    print("  goal: served_after_100s >= 98 % from 8 addresses")


if __name__ == "__main__":
    main()
