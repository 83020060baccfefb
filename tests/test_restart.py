"""Nothing forgotten at a restart: real `widget-server serve` processes on one data
directory, killed with `kill -9` and started again, in front of a counting local GupShup."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import counting_gupshup, kept_env
from tests.live import running_server
from tests.test_budget import most_in_any_window
from widget_server.gupshup.app import LocalGupShup

SAME = {"Sec-Fetch-Site": "same-origin"}
PHONE = "9819535746"
REAL = ["jumpy", "cricketbuzz", "delhimetro", "shayari", "mumbaifood", "techjobs"]
PATHS = [f"/api/groups/{g}" for g in REAL] + [f"/api/groups/{g}/messages" for g in REAL] + [
    f"/api/groups/nosuch{i}" for i in range(30)]


def _env(tmp_path: Path, upstream: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    return {**env, "WIDGET_DATA_DIR": str(tmp_path / "data"), "WIDGET_UPSTREAM_URL": upstream,
            "WIDGET_CLIENT_SHARE": "1", **extra}  # one client plays every visitor


async def _statuses(base: str, paths: list[str]) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answers = await asyncio.gather(*[client.get(p) for p in paths])
    return {p: a.status_code for p, a in zip(paths, answers, strict=True)}


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[tuple[str, list[float], LocalGupShup]]:
    with counting_gupshup(tmp_path / "upstream") as (url, counting, gupshup):
        yield url, counting.arrivals, gupshup


def test_a_kill_9_keeps_the_budget_and_the_last_good_data(
        tmp_path: Path, upstream: tuple[str, list[float], LocalGupShup]) -> None:
    url, arrivals, _ = upstream
    # 22 a minute (the default), 18 of them for refreshes
    env = _env(tmp_path, url, **kept_env("4,50,500"))
    with running_server(["serve"], env) as first:
        before = asyncio.run(_statuses(first.base, PATHS))
        first.kill()
    calls_before = len(arrivals)
    assert calls_before == 18 and 503 in before.values()
    with running_server(["serve"], env) as second:
        after = asyncio.run(_statuses(second.base, PATHS))
    known = [p for p, status in before.items() if status == 200]
    assert len(known) >= 10 and all(after[p] == 200 for p in known)  # served at once
    assert all(after[p] == 404 for p, status in before.items() if status == 404)
    assert len(arrivals) == calls_before  # the minute's budget was spent before the kill
    assert most_in_any_window(sorted(arrivals), 60) <= 22


def _code(gupshup: LocalGupShup) -> str:
    texts = [m.text for m in gupshup.outbox.messages(PHONE) if m.kind == "code"]
    match = re.search(r" is ([A-Z0-9]{4})\.", texts[0])
    assert match
    return match.group(1)


def test_limits_and_tickets_survive_a_kill_9(
        tmp_path: Path, upstream: tuple[str, list[float], LocalGupShup]) -> None:
    url, arrivals, gupshup = upstream
    env = _env(tmp_path, url)
    with running_server(["serve"], env) as first:
        for _ in range(5):
            sent = httpx.post(first.base + "/api/groups/jumpy/subscribe",
                              data={"phone": PHONE}, headers=SAME)
            assert sent.status_code == 200
        ticket = sent.json()["ticket"]
        first.kill()
    calls = len(arrivals)
    with running_server(["serve"], env) as second:
        sixth = httpx.post(second.base + "/api/groups/jumpy/subscribe",
                           data={"phone": PHONE}, headers=SAME)
        assert sixth.status_code == 429 and "retry-after" in sixth.headers
        assert len(arrivals) == calls  # refused before any upstream call
        done = httpx.post(second.base + "/api/groups/jumpy/subscribe/confirm",
                          data={"ticket": ticket, "code": _code(gupshup)}, headers=SAME)
        assert done.status_code == 200 and done.json()["code"] == "subscribed"


def test_workers_without_redis_share_one_budget(
        tmp_path: Path, upstream: tuple[str, list[float], LocalGupShup]) -> None:
    url, arrivals, _ = upstream
    env = _env(tmp_path, url, WIDGET_BUDGET="6,950,9500", **kept_env("1,50,500"))
    with running_server(["serve", "--workers", "2"], env) as server:
        assert httpx.get(server.base + "/api/groups/jumpy").status_code == 200
        for _ in range(8):  # a fresh connection each time: both workers get requests
            statuses = asyncio.run(_statuses(server.base, PATHS))
            assert set(statuses.values()) <= {200, 404, 503}
    assert len(arrivals) == 5  # 6 a minute less the reserve, for both workers together


def test_the_state_file_is_intact_after_a_kill_under_write_load(
        tmp_path: Path, upstream: tuple[str, list[float], LocalGupShup]) -> None:
    url, _, _ = upstream
    env = _env(tmp_path, url, WIDGET_BUDGET="3000,60000,600000",
               **kept_env("1,1,1"), WIDGET_ERROR_TTL="0")

    async def load(base: str) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for round_ in range(1000):
                await asyncio.gather(*[client.get(f"/api/groups/flood{round_}x{i}")
                                       for i in range(16)], return_exceptions=True)

    async def kill_under_load(server_kill: object, base: str) -> None:
        task = asyncio.create_task(load(base))
        await asyncio.sleep(2.0)
        assert callable(server_kill)
        server_kill()
        await asyncio.gather(task, return_exceptions=True)

    with running_server(["serve"], env) as server:
        asyncio.run(kill_under_load(server.kill, server.base))
    with sqlite3.connect(tmp_path / "data" / "state.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 50
    with running_server(["serve"], env) as again:
        assert httpx.get(again.base + "/api/groups/jumpy").status_code == 200


@pytest.mark.parametrize("damage", ["corrupt", "unwritable"])
def test_an_unusable_state_file_is_named_at_start(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    if damage == "corrupt":
        (data / "state.sqlite3").write_bytes(b"this is not a database" * 100)
    else:
        (data / "state.sqlite3").mkdir()  # even root cannot open a directory as a file
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    done = subprocess.run([sys.executable, "-m", "widget_server", "serve", "--data-dir",
                           str(data)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert str(data / "state.sqlite3") in done.stderr and "Traceback" not in done.stderr
    assert ("delete it" in done.stderr) if damage == "corrupt" else ("writable" in done.stderr)
