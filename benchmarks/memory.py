"""Resident memory of the widget server holding 10,000 cached keys.

One process: the app with an upstream that answers every group with 15 messages of
about 120 characters (the most a page holds), driven through ASGI until the cache holds
`--keys` keys (half group info, half message pages) and each group's widget and JSON
have been rendered once. Prints RSS before and after (goal: at most 100 MB in all).

    python benchmarks/memory.py [--keys 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
from pathlib import Path

import httpx

from tests.harness import kept
from widget_server.app import create_app
from widget_server.settings import Settings

TEXT = "Aaj ka vichar: " + "kuch achha sochiye, kuch achha kariye. " * 3


def upstream(request: httpx.Request) -> httpx.Response:
    params = request.url.params
    group = params.get("group", "g")
    body: dict[str, object]
    if params.get("method") == "groups.getInfo":
        body = {"status": "success", "group": {
            "name": group, "title": f"Group {group}", "description": TEXT, "public": True,
            "members": 1234, "posts": 5678, "created": "2025-01-01T00:00:00Z",
            "lastPost": "2026-11-01T00:00:00Z"}}
    else:
        body = {"status": "success", "total": 500, "messages": [
            {"id": f"{group}-{i}", "group": group, "text": f"{i} {TEXT}"[:120],
             "time": "2026-11-01T00:00:00Z"} for i in range(15)]}
    return httpx.Response(200, json={"response": body})


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def fill(keys: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), upstream_url="http://upstream.test",
                            budget=(10**6, 10**7, 10**8), **kept((1, 1, 1)),
                            cache_size=keys, client_share=1.0)  # one client: all
        app = create_app(settings, transport=httpx.MockTransport(upstream))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            await client.get("/widget/groups/warmup")
            gc.collect()
            before = rss_mb()
            for i in range(keys // 2):
                widget = await client.get(f"/widget/groups/g{i}")
                api = await client.get(f"/api/groups/g{i}/messages")
                assert widget.status_code == api.status_code == 200
            gc.collect()
            cached = len(app.state.services.data.cache)
            after = rss_mb()
        print(json.dumps({"cached_keys": cached, "rss_before_mb": round(before, 1),
                          "rss_after_mb": round(after, 1),
                          "growth_mb": round(after - before, 1),
                          "goal_mb": 100, "ok": after <= 100}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=10_000)
    asyncio.run(fill(parser.parse_args().keys))


if __name__ == "__main__":
    main()
