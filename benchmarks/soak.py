"""A soak: `widget-server serve` (embedded local GupShup) under a mixed load for a bounded
time, printing every 10 s its resident memory, the requests a second it answered and the
status counts, then the growth of RSS from the first report to the last.

    python -m benchmarks.soak [--seconds 240] [--clients 16]

The mix, per client in turn: widget pages and JSON of known groups (mostly cache hits),
unknown groups (cached 404s), pages at random offsets (misses the budget refuses: 503),
a subscription request (429 once the limits bite), and the Atom feed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.live import running_server

GROUPS = ["jumpy", "cricketbuzz", "mumbaifood", "delhimetro", "techjobs", "shayari"]


def _paths(rng: random.Random) -> list[str]:
    group = rng.choice(GROUPS)
    return [f"/widget/groups/{group}?color=%23{rng.randrange(16**6):06x}",
            f"/api/groups/{group}/messages?range={rng.randint(1, 15)}",
            f"/api/groups/nosuch{rng.randrange(50)}",
            f"/api/groups/{group}/messages?from={rng.randrange(100, 100_000)}",
            f"/feeds/groups/{group}.atom", "POST"]


async def _client(base: str, until: float, counts: Counter[int | str], seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < until:
            for path in _paths(rng):
                try:
                    if path == "POST":
                        answer = await client.post(
                            "/api/groups/jumpy/subscribe", headers={"Sec-Fetch-Site":
                                                                    "same-origin"},
                            data={"phone": f"98{rng.randrange(10**8):08d}"})
                    else:
                        answer = await client.get(path)
                    counts[answer.status_code] += 1
                except httpx.HTTPError as error:
                    counts[type(error).__name__] += 1


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _report(pid: int, until: float, counts: Counter[int | str]) -> list[float]:
    rss, seen, started = [], 0, time.monotonic()
    for tick in itertools.count(1):
        await asyncio.sleep(max(0.0, started + 10 * tick - time.monotonic()))
        total = sum(counts.values())
        rss.append(_rss_mb(pid))
        print(json.dumps({"t": 10 * tick, "rss_mb": round(rss[-1], 1),
                          "req_per_s": round((total - seen) / 10), "statuses": dict(counts)}),
              flush=True)
        seen = total
        if time.monotonic() >= until:
            return rss
    return rss


async def soak(base: str, pid: int, seconds: float, clients: int) -> None:
    counts: Counter[int | str] = Counter()
    until = time.monotonic() + seconds
    reporter = asyncio.create_task(_report(pid, until, counts))
    await asyncio.gather(*[_client(base, until, counts, seed) for seed in range(clients)])
    rss = await reporter
    print(json.dumps({"rss_first_mb": rss[0], "rss_last_mb": rss[-1],
                      "rss_growth_mb": round(rss[-1] - rss[0], 1),
                      "rss_max_mb": max(rss), "requests": sum(counts.values())}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    with tempfile.TemporaryDirectory() as data, \
            running_server(["serve"], {**env, "WIDGET_DATA_DIR": data}) as server:
        asyncio.run(soak(server.base, server.proc.pid, args.seconds, args.clients))


if __name__ == "__main__":
    main()
