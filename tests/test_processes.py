"""Real processes on one Redis: two `widget-server serve` instances (and one with
`--workers 2`) in front of one local GupShup process stay within one budget together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.harness import kept_env
from tests.helpers import post_over_http
from tests.live import running_server
from tests.live import server_process as process
from tests.redis_server import redis_url

pytestmark = pytest.mark.redis
FEED_GROUPS = ("jumpy", "shayari", "cricketbuzz", "delhimetro")
GROUPS = ["jumpy", "cricketbuzz", "delhimetro", "shayari", "hush"] + [
    f"nosuch{i}" for i in range(35)]


@contextlib.contextmanager
def shared_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    prefix = f"test:{uuid.uuid4().hex}:"
    env = {**os.environ, "WIDGET_DATA_DIR": str(tmp_path / "data"), "WIDGET_REDIS_URL":
           redis_url(), "WIDGET_REDIS_PREFIX": prefix, "WIDGET_BUDGET": "6,950,9500",
           "WIDGET_CLIENT_SHARE": "1",  # one test client plays every visitor
           **kept_env("1,50,500")}
    direct = redis.Redis.from_url(redis_url())
    try:
        yield env, prefix
    finally:
        keys = list(direct.scan_iter(match=prefix + "*"))
        if keys:
            direct.delete(*keys)
        direct.close()


async def _load(bases: list[str], requests: int) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(i: int) -> int:
            base = bases[i % len(bases)]
            group = GROUPS[i % len(GROUPS)]
            path = f"/api/groups/{group}" if i % 3 else f"/widget/groups/{group}"
            return (await client.get(base + path)).status_code
        return await asyncio.gather(*[one(i) for i in range(requests)])


def _calls(prefix: str) -> int:
    """Upstream calls admitted by the shared budget, across every process."""
    direct = redis.Redis.from_url(redis_url())
    count = int(direct.zcard(prefix + "budget:total"))
    direct.close()
    return count


def _upstream_calls_seen(metrics: str) -> int:
    return sum(int(float(n)) for n in re.findall(
        r'^widget_upstream_calls_total\{[^}]*outcome="(?:ok|refused)"[^}]*\} (\S+)', metrics,
        re.M))


def test_two_server_processes_share_one_budget(tmp_path: Path) -> None:
    with shared_env(tmp_path) as (env, prefix), \
            process(["gupshup"], {**env, "WIDGET_DATA_DIR": str(tmp_path / "up")}) as upstream:
        with process(["serve", "--upstream", upstream], env) as first, \
                process(["serve", "--upstream", upstream], env) as second:
            assert httpx.get(first + "/api/groups/jumpy").status_code == 200
            statuses = asyncio.run(_load([first, second], 600))
            seen = sum(_upstream_calls_seen(httpx.get(b + "/metrics").text)
                       for b in (first, second))
        assert 200 in statuses and 503 in statuses  # served what it could, refused the rest
        assert set(statuses) <= {200, 403, 404, 503}
        assert _calls(prefix) <= 5 and 1 <= seen <= 5  # 6 a minute, less the reserve


def test_workers_share_one_budget(tmp_path: Path) -> None:
    with shared_env(tmp_path) as (env, prefix), \
            process(["gupshup"], {**env, "WIDGET_DATA_DIR": str(tmp_path / "up")}) as upstream, \
            process(["serve", "--upstream", upstream, "--workers", "2"], env) as server:
        assert httpx.get(server + "/widget/groups/jumpy").status_code == 200
        statuses = asyncio.run(_load([server], 400))
        assert set(statuses) <= {200, 403, 404, 503} and _calls(prefix) <= 5


def _metric(base: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)", httpx.get(base + "/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def _first_text(base: str) -> str:
    answer = httpx.get(base + "/api/groups/jumpy/messages?range=1")
    return str(answer.json()["messages"][0]["text"]) if answer.status_code == 200 else ""


def _until(condition: Callable[[], bool], seconds: float) -> float:
    """Seconds until `condition` held (failing past `seconds`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds
        time.sleep(0.1)
    return time.monotonic() - started


def test_one_feed_watcher_on_one_redis_and_another_takes_over(tmp_path: Path) -> None:
    with shared_env(tmp_path) as (env, _), process(
            ["gupshup"], {**env, "WIDGET_DATA_DIR": str(tmp_path / "up")}) as upstream:
        env = {**env, "WIDGET_BUDGET": "22,950,9500", **kept_env("10,150,800")}
        with running_server(["serve", "--upstream", upstream], env) as one, \
                running_server(["serve", "--upstream", upstream], env) as two:
            for _ in range(2):  # visitors look at a few groups on both
                for group in FEED_GROUPS:
                    for server in (one, two):
                        httpx.get(f"{server.base}/api/groups/{group}/messages")
                time.sleep(1.1)
            _until(lambda: _metric(one.base, "widget_feed_watcher")
                   + _metric(two.base, "widget_feed_watcher") == 1, 10)
            time.sleep(3)  # and it stays one
            watching = [_metric(s.base, "widget_feed_watcher") for s in (one, two)]
            assert sorted(watching) == [0.0, 1.0]
            leader, follower = (one, two) if watching[0] else (two, one)
            post_over_http(upstream, "jumpy", "Heard on every instance")
            _until(lambda: _first_text(leader.base) == "Heard on every instance", 25)
            assert _until(lambda: _first_text(follower.base) == "Heard on every instance",
                          2) < 2
            leader.kill()  # kill -9: its lease is left to run out
            assert _until(lambda: _metric(follower.base, "widget_feed_watcher") == 1, 10) < 10
