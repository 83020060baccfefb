"""The outage notice says what is true: data past its freshness (a refresh is due) is no
outage; only an upstream that fails is, and the notice goes when it answers again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import widget_env

pytestmark = pytest.mark.anyio
NOTICE = '<p class="note" role="status">'  # the words are in `t.stale`


async def test_due_for_a_refresh_is_no_outage_and_a_failure_is(tmp_path: Path) -> None:
    async with widget_env(tmp_path, hot_ttl=0.0) as env:
        assert NOTICE not in (await env.client.get("/widget/groups/jumpy")).text
        env.clock.advance(200)  # past freshness; the upstream is fine
        due = await env.client.get("/widget/groups/jumpy")
        api = (await env.client.get("/api/groups/jumpy")).json()
        assert NOTICE not in due.text and api["stale"] is True and api["failing"] is False
        await env.settle()
        await env.refresh_into("500", "/widget/groups/jumpy")
        failing = await env.client.get("/widget/groups/jumpy")
        assert NOTICE in failing.text
        assert (await env.client.get("/api/groups/jumpy")).json()["failing"] is True
        env.upstream.mode = "ok"
        env.clock.advance(11)
        for _ in range(2):  # the probe answers; then every failed key refreshes at its view
            await env.client.get("/widget/groups/jumpy")
            await env.settle()
        assert NOTICE not in (await env.client.get("/widget/groups/jumpy")).text


async def test_an_outage_is_not_called_a_missing_group(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.mode = "500"
        feed = await env.client.get("/feeds/groups/jumpy.atom")
        oembed = await env.client.get("/oembed?url=http://widgets/widget/groups/jumpy")
        for answer in (feed.text, oembed.json()["error"]):
            assert "isn't answering" in answer and "doesn't exist" not in answer


async def test_oembed_discovery_carries_the_pages_options(tmp_path: Path) -> None:
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    async with widget_env(tmp_path) as env:
        page = (await env.client.get("/widget/groups/jumpy?color=%23e03131&count=3&theme=dark"
                                     "&lang=hi&subscribe=1")).text
        link = re.search(r'type="application/json\+oembed" href="([^"]+)"', page)
        assert link
        url = parse_qs(urlsplit(html.unescape(link.group(1))).query)["url"][0]
        options = parse_qs(urlsplit(url).query)
        assert options["color"] == ["#e03131"] and options["count"] == ["3"]
        assert options["theme"] == ["dark"] and options["lang"] == ["hi"]
        embed = (await env.client.get("/oembed", params={"url": url})).json()
        assert "count=3" in embed["html"] and "lang=hi" in embed["html"]


async def test_the_page_offers_every_snippet_and_says_what_it_changed(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        body = (await env.client.get("/?group=jumpy&color=red&count=50",
                                     headers={"Accept": "application/json"})).json()
        kinds = body["snippets"]
        assert set(kinds) == {"script", "iframe", "url", "hugo", "jekyll", "public", "feed"}
        assert "<noscript><iframe" in kinds["script"]  # readers without JavaScript too
        assert "<gupshup-slot" in kinds["script"]  # the room kept: the page won't move
        assert kinds["feed"].endswith("/feeds/groups/jumpy.atom")
        assert any("red" in w for w in body["warnings"])
        assert any("50" in w and "showing 5" in w for w in body["warnings"])
        page = (await env.client.get("/?group=jumpy&color=red")).text
        assert "is not a colour" in page and "file://" in page
