"""An upstream that fails in every way: stale data is served, the process stays up."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import FAILURES, slow_server, widget_env
from tests.stores import budget_on, sqlite_state
from widget_server.clock import ManualClock
from widget_server.upstream.client import UpstreamClient
from widget_server.upstream.errors import Throttled, Unavailable

pytestmark = pytest.mark.anyio
FAILING = ["500", "bad_json", "bad_xml", "bomb", "huge", "113", "129", "connect",
           "garbage_fields", "infinite_total"]


@pytest.mark.parametrize("mode", FAILING)
async def test_stale_data_is_served_when_the_upstream_fails(tmp_path: Path, mode: str) -> None:
    async with widget_env(tmp_path) as env:
        good = (await env.client.get("/api/groups/jumpy/messages")).json()
        env.upstream.mode = mode
        env.clock.advance(61)
        for _ in range(3):
            response = await env.client.get("/api/groups/jumpy/messages")
            await env.settle()
            assert response.status_code == 200
            body = response.json()
            assert body["stale"] is True
            assert body["messages"] == good["messages"]
        assert len(env.upstream.requests) == 2  # one failed refresh, then the error is kept


async def test_garbage_is_an_upstream_fault_not_a_bug(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.mode = "infinite_total"
        for path in ("/api/groups/jumpy", "/api/groups/jumpy/messages"):
            assert (await env.client.get(path)).status_code == 503
        assert not [r for r in caplog.records if r.exc_info]  # no traceback: handled


async def test_an_uncached_feed_fetches_its_two_pieces_side_by_side(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        inner = env.upstream.inner

        class Slow(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await asyncio.sleep(0.3)
                return await inner.handle_async_request(request)
        env.upstream.inner = Slow()
        started = time.monotonic()
        assert (await env.client.get("/feeds/groups/jumpy.atom")).status_code == 200
        assert time.monotonic() - started < 0.55  # not 0.3 + 0.3


@pytest.mark.parametrize("mode", FAILING)
async def test_nothing_cached_and_upstream_failing_gives_503(tmp_path: Path, mode: str) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.mode = mode
        response = await env.client.get("/api/groups/jumpy")
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["error"]["code"] in ("upstream_unavailable", "try_again_later")


async def test_error_113_stops_calls_for_a_cool_down(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        await env.client.get("/api/groups/jumpy")
        await env.refresh_into("113", "/api/groups/jumpy")
        env.upstream.mode = "ok"
        for group in ("cricketbuzz", "shayari"):
            response = await env.client.get(f"/api/groups/{group}")
            assert response.status_code == 503
            assert int(response.headers["retry-after"]) >= 50
        assert env.upstream.methods() == ["groups.getInfo", "groups.getInfo"]
        env.clock.advance(61)
        assert (await env.client.get("/api/groups/cricketbuzz")).status_code == 200


async def test_a_redirect_is_not_followed(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.mode = "redirect"
        assert (await env.client.get("/api/groups/jumpy")).status_code == 503
        assert len(env.upstream.requests) == 1


@pytest.mark.parametrize("behaviour", ["trickle", "hang"])
async def test_total_deadline_on_a_real_slow_server(behaviour: str) -> None:
    async with slow_server(behaviour) as url:
        clock = ManualClock()
        async with sqlite_state(clock) as store:
            client = UpstreamClient(url, budget_on(store, clock), timeout=0.5)
            started = time.monotonic()
            with pytest.raises(Unavailable):
                await client.get_info("jumpy")
            assert time.monotonic() - started < 2.0  # the trickle never resets the deadline
            await client.aclose()


async def test_stale_served_when_the_real_upstream_times_out(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env, slow_server("hang") as url:
        await env.client.get("/api/groups/jumpy")
        slow = UpstreamClient(url, env.data.client.budget, timeout=0.3)
        await env.data.client.aclose()
        env.data.client = slow
        env.clock.advance(61)
        response = await env.client.get("/api/groups/jumpy")
        assert response.status_code == 200 and response.json()["stale"] is True
        await env.settle()
        assert (await env.client.get("/api/groups/jumpy")).json()["stale"] is True


def test_every_failure_mode_is_exercised() -> None:
    assert set(FAILURES) - {"not_found", "redirect"} <= set(FAILING)


async def test_xml_answers_are_parsed_like_json() -> None:
    from widget_server.upstream.answers import checked, parse_body

    xml = (b'<?xml version="1.0"?><response><status>error</status><error><code>113</code>'
           b'<msg>exceeded the throttle hour limit of "1000".</msg></error></response>')
    body = parse_body(xml, "application/xml")
    assert body["error"]["code"] == "113"
    with pytest.raises(Throttled) as refused:
        checked("groups.getInfo", body)
    assert refused.value.window() == "hour"


async def test_xml_upstream_end_to_end(tmp_path: Path) -> None:
    """A real GupShup may answer XML whatever was asked: the client reads it."""
    async with widget_env(tmp_path) as env:
        inner = env.upstream.inner

        class XmlOnly(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                params = dict(request.url.params)
                params["format"] = "xml"
                return await inner.handle_async_request(
                    httpx.Request("GET", request.url.copy_with(params=params)))

        env.upstream.inner = XmlOnly()
        body = (await env.client.get("/api/groups/jumpy/messages?range=3")).json()
        assert len(body["messages"]) == 3 and body["total"] == 28
        info = (await env.client.get("/api/groups/jumpy")).json()
        assert info["group"]["public"] is True and info["group"]["members"] == 3
