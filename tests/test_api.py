"""The JSON API: statuses, CORS, ETags, cache headers, parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import kept, widget_env

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/groups/bad%20name", 400, "bad_request"),
    ("/api/groups/" + "a" * 65, 400, "bad_request"),
    ("/api/groups/%3Cscript%3E/messages", 400, "bad_request"),
    ("/api/groups/jumpy/messages?range=16", 400, "bad_request"),
    ("/api/groups/jumpy/messages?range=abc", 400, "bad_request"),
    ("/api/groups/jumpy/messages?from=-1", 400, "bad_request"),
    ("/api/public?skipAdult=maybe", 400, "bad_request"),
    ("/api/groups/nosuchgroup", 404, "group_not_found"),
    ("/api/groups/hush", 403, "private_group"),
    ("/api/groups/hush/messages", 403, "private_group"),
])
async def test_errors_have_the_right_status(tmp_path: Path, path: str, status: int,
                                            code: str) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.get(path)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
        if status == 400:
            assert env.upstream.requests == []  # checked before any upstream call


async def test_503_with_retry_after_when_no_budget(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=(2, 950, 9500), **kept((1, 50, 500))) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        response = await env.client.get("/api/groups/cricketbuzz")
        assert response.status_code == 503
        assert 1 <= int(response.headers["retry-after"]) <= 61
        assert response.json()["error"]["code"] == "try_again_later"


async def test_etag_and_304(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        first = await env.client.get("/api/groups/jumpy/messages")
        etag = first.headers["etag"]
        again = await env.client.get("/api/groups/jumpy/messages",
                                     headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag


async def test_cors_for_get_from_any_origin(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.get("/api/public", headers={"Origin": "https://blog.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "ETag" in response.headers["access-control-expose-headers"]
        preflight = await env.client.options("/api/public", headers={
            "Origin": "https://blog.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match"})
        assert preflight.status_code == 200


async def test_cache_control_for_a_cdn(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        fresh = await env.client.get("/api/groups/jumpy")
        control = fresh.headers["cache-control"]
        assert "max-age=60" in control and "stale-while-revalidate=" in control
        assert "stale-if-error=86400" in control
        env.clock.advance(61)
        stale = await env.client.get("/api/groups/jumpy")
        assert "max-age=0" in stale.headers["cache-control"]
        assert stale.json()["stale"] is True


async def test_public_stream_and_adult_filter(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        body = (await env.client.get("/api/public?range=15")).json()
        assert body["skipAdult"] is True and len(body["messages"]) == 15
        assert not any(m["adult"] for m in body["messages"])
        everything = (await env.client.get("/api/public?skipAdult=false")).json()
        assert everything["skipAdult"] is False


async def test_pagination_fetches_the_page_asked_for(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        page = (await env.client.get("/api/groups/jumpy/messages?from=15&range=15")).json()
        assert len(page["messages"]) == 13 and page["total"] == 28


async def test_metrics(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        await env.client.get("/api/groups/jumpy")
        await env.client.get("/api/groups/jumpy")  # replayed by the hot path
        await env.client.get("/api/groups/jumpy?again")  # another URL: a cache hit
        text = (await env.client.get("/metrics")).text
        assert "widget_hot_hits_total 1.0" in text
        assert 'widget_cache_requests_total{result="hit"} 1.0' in text
        assert 'widget_upstream_calls_total{method="groups.getInfo",outcome="ok"} 1.0' in text
        assert 'widget_budget_remaining{window="minute"} 21.0' in text


async def test_bodies_are_built_once_per_data_version_and_gzipped_once(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        bodies = env.services.json_bodies
        plain = await env.client.get("/api/groups/jumpy/messages",
                                     headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        for _ in range(5):
            zipped = await env.client.get("/api/groups/jumpy/messages",
                                          headers={"Accept-Encoding": "gzip, br"})
            assert zipped.headers["content-encoding"] == "gzip"
            assert zipped.json() == plain.json()  # httpx decodes it
            assert zipped.headers["etag"] == plain.headers["etag"]
            assert "Accept-Encoding" in zipped.headers["vary"]
        assert len(bodies) == 1
        await env.client.get("/api/groups/jumpy/messages?range=3")
        assert len(bodies) == 2


async def test_widgets_tell_a_cdn_how_long_and_how_stale(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        for path in ("/widget/groups/jumpy", "/api/groups/jumpy", "/widget/public"):
            response = await env.client.get(path, headers={"Accept-Encoding": "gzip"})
            control = response.headers["cache-control"]
            for part in ("public", "max-age=", "s-maxage=", "stale-while-revalidate=",
                         "stale-if-error=86400"):
                assert part in control, (path, control)
            assert "Accept-Encoding" in response.headers["vary"]
