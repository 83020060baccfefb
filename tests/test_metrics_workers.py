"""`/metrics` with `--workers 2`: whichever worker a scrape reaches, the counters are every
worker's, never decrease, and agree with what reached the upstream (a counting proxy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live import live_server, running_server, server_env, server_process


class Counting:
    """A proxy in front of the upstream that counts the calls it passes."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.calls = upstream, 0

    def app(self) -> Starlette:
        async def forward(request: Request) -> Response:
            self.calls += 1
            async with httpx.AsyncClient() as client:
                answer = await client.request(
                    request.method, self.upstream + request.url.path,
                    params=list(request.query_params.multi_items()),
                    content=await request.body(), headers={
                        "content-type": request.headers.get("content-type", "")})
            return Response(answer.content, answer.status_code, media_type=answer.headers.get(
                "content-type"))
        return Starlette(routes=[Route("/GupshupAPI/rest", forward, methods=["GET", "POST"])])


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield server_env(tmp_path / "data", WIDGET_CLIENT_SHARE="1")


def _calls(text: str) -> float:
    return sum(float(n) for n in re.findall(
        r"^widget_upstream_calls_total\{[^}]*\} (\S+)", text, re.M))


def test_metrics_add_up_across_workers(env: dict[str, str], tmp_path: Path) -> None:
    with server_process(["gupshup"], {**env, "WIDGET_DATA_DIR": str(tmp_path / "up")}) as up:
        proxy = Counting(up)
        with live_server(proxy.app()) as counted, running_server(
                ["serve", "--workers", "2", "--upstream", counted], env) as server:
            for group in ("jumpy", "shayari", "cricketbuzz", "delhimetro", "nosuch"):
                for path in (f"/api/groups/{group}", f"/api/groups/{group}/messages"):
                    httpx.get(server.base + path)
            seen = []
            for _ in range(10):  # ten scrapes in a row, landing on either worker
                text = httpx.get(server.base + "/metrics").text
                seen.append(_calls(text))
            assert seen == sorted(seen)  # never decreasing
            assert abs(seen[-1] - proxy.calls) <= 1 and proxy.calls >= 8
            assert "widget_request_seconds_bucket" in text
            assert "widget_upstream_seconds_bucket" in text
            assert re.search(r'^widget_build_info\{version="[^"]+"\} 1\.0', text, re.M)
            assert re.search(r'^widget_requests_total\{route="group_info",status="200"\}',
                             text, re.M)
