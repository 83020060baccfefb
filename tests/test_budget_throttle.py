"""End to end over real HTTP against the local GupShup with its documented throttle: a burst
of thousands of requests over many groups never earns a throttle tag or an error 113."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx
import pytest

from tests.live import live_server
from widget_server.app import create_app
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.settings import Settings

pytestmark = pytest.mark.anyio
GROUPS = 60
REQUESTS = 4000


def _add_groups(gupshup: LocalGupShup) -> list[str]:
    names = [f"crowd{n}" for n in range(GROUPS)]
    with gupshup.db.write() as conn:
        for name in names:
            group_id = conn.execute(
                "INSERT INTO groups (name, title, description, public, owner_id, created) "
                "VALUES (?, ?, 'load', 1, 1, 0)", (name, name.title())).lastrowid
            conn.execute("INSERT INTO messages (group_id, text, time) VALUES (?, 'hi', 1)",
                         (group_id,))
    return names


async def test_burst_over_many_groups_never_reaches_the_throttle(tmp_path: Path) -> None:
    upstream_settings = Settings(data_dir=tmp_path / "upstream")  # documented 25/30 a minute
    gupshup = LocalGupShup(upstream_settings)
    names = _add_groups(gupshup)
    with live_server(create_gupshup_app(upstream_settings, service=gupshup)) as url:
        app = create_app(Settings(data_dir=tmp_path / "widgets", upstream_url=url,
                                  client_share=1.0))  # one client: every visitor
        paths = [random.choice(["/api/groups/{}", "/api/groups/{}/messages?range=5",
                                "/api/groups/{}/latest"]).format(random.choice(names))
                 for _ in range(REQUESTS)]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://localhost") as client:
            statuses: list[int] = []
            for start in range(0, REQUESTS, 200):
                batch = await asyncio.gather(*[client.get(p) for p in paths[start:start + 200]])
                for response in batch:
                    statuses.append(response.status_code)
                    if response.status_code == 503:
                        assert int(response.headers["retry-after"]) >= 1
            metrics = (await client.get("/metrics")).text
        await app.state.services.data.cache.drain()
        await app.state.services.data.client.aclose()
    gupshup.close()
    assert set(statuses) <= {200, 503} and statuses.count(200) > 0
    assert "widget_upstream_throttle_tags_total 0.0" in metrics
    assert 'outcome="throttled"' not in metrics
    calls = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                if line.startswith("widget_upstream_calls_total"))
    assert 0 < calls <= 22
