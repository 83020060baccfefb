"""The hot path: publicly cacheable GET answers replayed for a second, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import widget_env

pytestmark = pytest.mark.anyio


def _hot_hits(env: object) -> float:
    return float(env.app.state.services.metrics.hot_hits._value.get())  # type: ignore[attr-defined]


async def test_a_repeated_get_is_replayed_byte_for_byte(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        first = await env.client.get("/widget/groups/jumpy")
        again = await env.client.get("/widget/groups/jumpy")
        assert _hot_hits(env) == 1
        assert again.content == first.content
        assert again.headers["content-security-policy"] == first.headers[
            "content-security-policy"]
        not_modified = await env.client.get("/widget/groups/jumpy",
                                            headers={"If-None-Match": first.headers["etag"]})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert "content-type" not in not_modified.headers
        assert not_modified.headers["etag"] == first.headers["etag"]
        assert _hot_hits(env) == 2


async def test_variants_do_not_mix(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        plain = await env.client.get("/api/groups/jumpy/messages",
                                     headers={"Accept-Encoding": "identity"})
        zipped = await env.client.get("/api/groups/jumpy/messages",
                                      headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert zipped.headers["content-encoding"] == "gzip"
        cors = await env.client.get("/api/groups/jumpy/messages",
                                    headers={"Accept-Encoding": "identity",
                                             "Origin": "https://blog.example"})
        assert cors.headers["access-control-allow-origin"] == "*"
        bare = await env.client.get("/api/groups/jumpy/messages",
                                    headers={"Accept-Encoding": "identity"})
        assert "access-control-allow-origin" not in bare.headers
        other = await env.client.get("/api/groups/jumpy/messages?range=2")
        assert len(other.json()["messages"]) == 2


async def test_a_readers_language_is_a_variant(tmp_path: Path) -> None:
    """A widget left to its reader's language: a Hindi reader's page must never be
    replayed to the next reader, whose browser asks for English."""
    async with widget_env(tmp_path) as env:
        hindi = await env.client.get("/widget/groups/jumpy", headers={"Accept-Language": "hi"})
        english = await env.client.get("/widget/groups/jumpy",
                                       headers={"Accept-Language": "en-US,en;q=0.9"})
        assert '<html lang="hi"' in hindi.text and "सदस्य" in hindi.text
        assert '<html lang="en"' in english.text and "members" in english.text


async def test_it_lasts_one_second(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        await env.client.get("/api/groups/jumpy")
        env.clock.advance(1.01)
        await env.client.get("/api/groups/jumpy")
        assert _hot_hits(env) == 0


@pytest.mark.parametrize("path", [
    "/api/groups/nosuchgroup",  # an error
    "/metrics",  # not marked public
])
async def test_private_and_error_answers_are_never_replayed(tmp_path: Path, path: str) -> None:
    async with widget_env(tmp_path) as env:
        for _ in range(3):
            await env.client.get(path)
        assert _hot_hits(env) == 0


async def test_stale_answers_are_not_replayed(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        await env.client.get("/api/groups/jumpy")
        env.clock.advance(61)
        stale = await env.client.get("/api/groups/jumpy")
        assert stale.json()["stale"] is True
        await env.settle()
        fresh = await env.client.get("/api/groups/jumpy")
        assert fresh.json()["stale"] is False and _hot_hits(env) == 0


async def test_it_can_be_turned_off(tmp_path: Path) -> None:
    async with widget_env(tmp_path, hot_ttl=0.0) as env:
        for _ in range(3):
            await env.client.get("/api/groups/jumpy")
        assert _hot_hits(env) == 0
