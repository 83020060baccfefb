"""What the state store costs: the latency of a cache miss with each backend (every miss
reads the store, takes the budget, locks the key, saves the value), against a cache hit in
the same run, and the size of the SQLite state file holding 10,000 keys.

    python -m benchmarks.state_store [--misses 2000] [--keys 10000]

The upstream is in-process (`benchmarks.memory.upstream`: 15 messages of 120 characters a
page), so the figures are the server's own work. Redis is measured when 127.0.0.1:6379
answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import redis

from benchmarks.memory import upstream
from tests.harness import kept
from widget_server.app import create_app
from widget_server.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/15"


def _settings(data: Path, **extra: Any) -> Settings:
    return Settings(data_dir=data, upstream_url="http://upstream.test", hot_ttl=0.0,
                    budget=(10**6, 10**7, 10**8), **kept((1, 1, 1)), **extra)


async def _timed(client: httpx.AsyncClient, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        assert (await client.get(path)).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(times: list[float], q: int) -> float:
    return round(statistics.quantiles(times, n=100)[q - 1], 3)


async def latency(settings: Settings, misses: int) -> dict[str, float]:
    app = create_app(settings, transport=httpx.MockTransport(upstream))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        miss = await _timed(client, [f"/api/groups/g{i}" for i in range(misses)])
        hit = await _timed(client, [f"/api/groups/g{i % 50}" for i in range(misses)])
        await app.state.services.data.cache.drain()
        await app.state.services.state.aclose()
    return {"miss_p50_ms": _p(miss, 50), "miss_p99_ms": _p(miss, 99),
            "hit_p50_ms": _p(hit, 50), "hit_p99_ms": _p(hit, 99),
            "miss_p99_over_hit_p99": round(_p(miss, 99) / _p(hit, 99), 2)}


async def file_size(data: Path, keys: int) -> dict[str, float]:
    app = create_app(_settings(data, cache_size=keys),
                     transport=httpx.MockTransport(upstream))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        for i in range(keys // 2):
            await client.get(f"/api/groups/g{i}")
            await client.get(f"/api/groups/g{i}/messages")
        await app.state.services.data.cache.drain()
        await app.state.services.state.aclose()
    path = data / "state.sqlite3"
    with sqlite3.connect(path) as conn:
        stored = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"keys_stored": stored, "state_file_mb": round(path.stat().st_size / 2**20, 1)}


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL).ping())
    except redis.RedisError:
        return False


async def run(misses: int, keys: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = {"sqlite": await latency(_settings(Path(tmp) / "a"), misses)}
        if _redis_up():
            prefix = f"bench:{uuid.uuid4().hex}:"
            result["redis"] = await latency(
                _settings(Path(tmp) / "b", redis_url=REDIS_URL, redis_prefix=prefix), misses)
            direct = redis.Redis.from_url(REDIS_URL)
            for key in direct.scan_iter(match=prefix + "*"):
                direct.delete(key)
        result["file"] = await file_size(Path(tmp) / "c", keys)
    print(json.dumps(result, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.misses, args.keys))


if __name__ == "__main__":
    main()
