"""An upstream outage: what it costs while it lasts, how fast the widgets recover, and what
the processes sharing one state store tell each other about it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import kept, serving, widget_env
from widget_server.app import create_app
from widget_server.settings import Settings

pytestmark = pytest.mark.anyio
PATHS = [f"/api/groups/{g}{tail}" for g in ("jumpy", "cricketbuzz", "delhimetro", "shayari",
                                             "techjobs") for tail in ("", "/messages")]


async def test_an_outage_probes_once_at_a_time_and_recovery_is_at_once(
        tmp_path: Path) -> None:
    # Refreshes get 18 calls a minute: recovery (10 keys after the probes) fits in one.
    async with widget_env(tmp_path, **kept((4, 50, 500))) as env:
        for path in PATHS:
            assert (await env.client.get(path)).status_code == 200
        env.upstream.mode = "500"
        env.clock.advance(400)  # past every entry's freshness, whatever share the feed takes
        before = len(env.upstream.requests)
        for _ in range(24):  # two minutes of outage; every page viewed every 5 s
            for path in PATHS:
                answer = await env.client.get(path)
                assert answer.status_code == 200 and answer.json()["stale"] is True
            await env.settle()
            env.clock.advance(5)
        # The first wave (every key, before anything is known to be wrong), then one probe
        # every 10 s: not every key on its own, which would fill each minute's budget.
        assert len(env.upstream.requests) - before <= len(PATHS) + 13
        env.upstream.mode = "ok"
        env.clock.advance(10)
        for _ in range(2):  # the probe succeeds; then every key refreshes at its next view
            for path in PATHS:
                await env.client.get(path)
            await env.settle()
        stale = [(await env.client.get(path)).json()["stale"] for path in PATHS]
        assert not any(stale)


class SlowFailing(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        await asyncio.sleep(0.3)
        return httpx.Response(500, text="Internal Server Error")


async def test_a_failure_reaches_the_other_processes_at_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", upstream_url="http://upstream.test")
    upstream = SlowFailing()
    apps = [create_app(settings, transport=upstream) for _ in range(2)]  # one state file
    async with serving(apps[0]) as one, serving(apps[1]) as two:
        clients = [one, two]

        async def later(client: httpx.AsyncClient) -> httpx.Response:
            await asyncio.sleep(0.05)  # the first holds the key's lock by now
            return await client.get("/api/groups/jumpy")

        started = time.monotonic()
        first, second = await asyncio.gather(clients[0].get("/api/groups/jumpy"),
                                             later(clients[1]))
        assert first.status_code == second.status_code == 503
        assert "retry-after" in second.headers
        assert time.monotonic() - started < 2.0  # not the lock's 11 s
        assert upstream.calls == 1
