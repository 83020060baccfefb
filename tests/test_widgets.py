"""The widget pages, oEmbed, the feed and static files, through ASGI (no browser)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from html import unescape
from pathlib import Path

import pytest
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from tests.harness import widget_env
from widget_server.palette import AA, DEFAULT_COLOR, contrast, palettes, parse_color

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("raw", "expected"), [
    ("#8e24aa", "#8e24aa"), ("8E24AA", "#8e24aa"), ("#abc", "#aabbcc"), ("red", DEFAULT_COLOR),
    ("#12345", DEFAULT_COLOR), ("#1234567", DEFAULT_COLOR), ("#fff;}body{x", DEFAULT_COLOR),
    ("", DEFAULT_COLOR), (None, DEFAULT_COLOR), ("javascript:alert(1)", DEFAULT_COLOR),
])
def test_colour_is_a_full_hex_match_or_the_default(raw: str | None, expected: str) -> None:
    assert parse_color(raw) == expected


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_palettes_meet_wcag_aa(color: str) -> None:
    for palette in palettes(color):
        assert contrast(palette.on_accent, palette.accent) >= AA
        assert contrast(palette.link, palette.bg) >= AA
        assert contrast(palette.fg, palette.bg) >= AA


async def test_group_widget_renders_with_options(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.get(
            "/widget/groups/jumpy?color=%238e24aa&theme=dark&count=3&lang=hi")
        assert response.status_code == 200
        html = response.text
        assert '<html lang="hi" dir="ltr" data-theme="dark">' in html
        assert "--accent:#8e24aa" in html
        assert html.count('class="msg"') == 3
        assert "हाल के संदेश" in html and 'role="feed"' in html
        assert 'aria-live="polite"' in html
        assert "older" not in html.lower() or "पुराने संदेश" in html


async def test_bad_options_fall_back_never_error(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.get(
            "/widget/groups/jumpy?color=%22%3E%3Cscript%3E&theme=neon&count=99&lang=xx&from=x")
        assert response.status_code == 200
        assert f"--accent:{DEFAULT_COLOR}" in response.text
        assert 'data-theme="auto"' in response.text and 'lang="en"' in response.text
        assert response.text.count('class="msg"') == 5
        assert "<script>" not in response.text.replace("<script src=", "")


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/widget/groups/nosuchgroup", 404, "This group doesn't exist or it's a private group."),
    ("/widget/groups/hush", 403, "This group doesn't exist or it's a private group."),
    ("/widget/groups/hush?lang=hi", 403, "यह समूह मौजूद नहीं है या यह एक निजी समूह है।"),
    ("/widget/groups/bad%20name", 400, "A group name is 1 to 64 letters"),
    ("/widget/groups/%3Cscript%3E", 400, "A group name is 1 to 64 letters"),
])
async def test_plain_words_for_bad_groups(tmp_path: Path, path: str, status: int,
                                          words: str) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.get(path)
        assert response.status_code == status
        assert words in unescape(response.text)


async def test_unavailable_upstream_with_nothing_cached_says_retry(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.mode = "500"
        response = await env.client.get("/widget/groups/jumpy")
        assert response.status_code == 503 and response.headers["retry-after"]
        assert "isn't answering right now" in unescape(response.text)
        assert 'http-equiv="refresh"' in response.text


async def test_stale_data_is_shown_as_such(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        await env.client.get("/widget/groups/jumpy")
        await env.refresh_into("connect", "/widget/groups/jumpy")
        response = await env.client.get("/widget/groups/jumpy")
        assert response.status_code == 200
        assert "may be out of date" in response.text


async def test_csp_allows_only_our_scripts_and_the_pages_own_style(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        first, second = [await env.client.get("/widget/groups/jumpy") for _ in range(2)]
        assert first.content == second.content  # byte for byte: a strong ETag
        assert first.headers["etag"] == second.headers["etag"]
        assert not first.headers["etag"].startswith("W/")
        policy = first.headers["content-security-policy"]
        (style,) = re.findall(r"<style>(.*?)</style>", first.text, re.S)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'self' 'sha256-{digest}'" in policy
        assert "script-src 'self';" in policy and "<script>" not in first.text
        assert "unsafe" not in policy
        for part in ("object-src 'none'", "base-uri 'none'", "form-action 'self'",
                     "frame-ancestors *", "default-src 'none'"):
            assert part in policy
        assert first.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in first.headers


async def test_frame_ancestors_follow_the_allowed_origins(tmp_path: Path) -> None:
    async with widget_env(tmp_path, allowed_origins=("https://blog.example",)) as env:
        policy = (await env.client.get("/widget/public")).headers["content-security-policy"]
        assert "frame-ancestors 'self' https://blog.example" in policy


async def test_rendered_once_per_data_version(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        renderer = env.services.renderer
        first = await env.client.get("/widget/groups/jumpy")
        for _ in range(5):
            await env.client.get("/widget/groups/jumpy")
        assert len(renderer._cache) == 1
        again = await env.client.get("/widget/groups/jumpy",
                                     headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        weak = await env.client.get("/widget/groups/jumpy",
                                    headers={"If-None-Match": "W/" + first.headers["etag"]})
        assert weak.status_code == 304


async def test_public_widget_skips_adult(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        html = (await env.client.get("/widget/public?count=15")).text
        assert "Adult joke" not in html and "GupShup public stream" in html


async def test_pagination_links_work_without_javascript(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        html = (await env.client.get("/widget/groups/jumpy?count=10")).text
        older = re.search(r'href="([^"]+)" rel="next"', html)
        assert older is not None
        assert older.group(1).startswith("/widget/groups/jumpy?")  # a path: POST answers too
        page2 = (await env.client.get(older.group(1).replace("&amp;", "&"))).text
        assert 'rel="prev"' in page2 and 'data-live="0"' in page2


async def test_static_urls_are_hashed_and_immutable(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        html = (await env.client.get("/widget/groups/jumpy")).text
        css = re.search(r'href="(/static/widget\.[0-9a-f]{10}\.css)"', html)
        assert css is not None
        response = await env.client.get(css.group(1))
        assert "immutable" in response.headers["cache-control"]
        embed = await env.client.get("/embed.js")
        assert embed.headers["cache-control"] == "public, max-age=300"
        assert embed.headers["content-type"].startswith("text/javascript")


async def test_weights(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        embed = (await env.client.get("/embed.js")).content
        assert len(gzip.compress(embed, 9)) <= 2048  # with its comments
        html = (await env.client.get("/widget/groups/jumpy?count=15")).content
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
        total = len(gzip.compress(html, 9))
        for path in assets:
            total += len(gzip.compress((await env.client.get(path.decode())).content, 9))
        assert len(assets) == 2 and total <= 10 * 1024


async def test_oembed(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        url = "http://widgets/widget/groups/jumpy?color=%23123456&count=3"
        body = (await env.client.get("/oembed", params={"url": url, "maxwidth": 300,
                                                        "maxheight": 200})).json()
        assert body["type"] == "rich" and body["version"] == "1.0"
        assert body["width"] == 300 and body["height"] == 200
        assert body["title"] == "Jumpy"
        html = body["html"]  # WordPress's shape: a blockquote with a link, then the frame
        assert html.startswith('<blockquote class="wp-embedded-content" data-secret="')
        assert '<a href="http://widgets/widget/groups/jumpy?color=%23123456&amp;count=3">' \
            'Jumpy</a></blockquote><iframe ' in html
        assert 'src="http://widgets/widget/groups/jumpy?color=%23123456&amp;count=3#?secret=' \
            in html and 'frameborder="0" scrolling="no"' in html
        assert (await env.client.get("/oembed", params={
            "url": "http://elsewhere/widget/groups/jumpy"})).status_code == 404
        assert (await env.client.get("/oembed", params={
            "url": url, "format": "xml"})).status_code == 501
        assert (await env.client.get("/oembed", params={
            "url": "http://widgets/widget/groups/nosuchgroup"})).status_code == 404
        widget = (await env.client.get("/widget/groups/jumpy")).text
        assert 'type="application/json+oembed"' in widget


async def test_atom_feed(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        token = await _login(env)
        await env.client.get("/GupshupAPI/rest")  # not mounted here: the feed uses the cache
        from tests.helpers import call
        upstream = env.upstream.inner
        import httpx
        async with httpx.AsyncClient(transport=upstream, base_url="http://g") as gupshup:
            await call(gupshup, "groups.postMessage", token=token, groupName="jumpy",
                       text="</content><script>x</script> & done")
        response = await env.client.get("/feeds/groups/jumpy.atom")
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(response.content, forbid_dtd=True)
        ns = "{http://www.w3.org/2005/Atom}"
        entries = root.findall(f"{ns}entry")
        assert len(entries) == 15
        assert entries[0].findtext(f"{ns}content") == "</content><script>x</script> & done"
        assert (await env.client.get("/feeds/groups/hush.atom")).status_code == 403


async def _login(env: object) -> str:
    import httpx

    from tests.test_gupshup_errors import Ctx
    upstream = env.upstream.inner  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=upstream, base_url="http://g") as gupshup:
        return await Ctx(gupshup, env.gupshup).login()  # type: ignore[attr-defined]


async def test_customize_page_works_as_a_plain_form(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        html = (await env.client.get("/?group=cricketbuzz&color=%23123456&count=7")).text
        assert 'src="/widget/groups/cricketbuzz?color=%23123456&amp;count=7"' in html
        assert "data-group=&#34;cricketbuzz&#34;" in html or 'data-group="cricketbuzz"' in html
        assert "This group doesn" not in html
        missing = (await env.client.get("/?group=nosuchgroup")).text
        assert "There is no public GupShup group by that name." in missing
        assert 'src="/widget/groups/nosuchgroup"' in missing  # the preview shows the error
        private = (await env.client.get("/?group=hush")).text
        assert "That group is private" in private
        assert "switched off" in (await env.client.get("/?group=oldnews")).text
        empty = (await env.client.get("/?group=")).text
        assert "Type the name of a GupShup group" in empty
        body = (await env.client.get("/?group=shayari&theme=dark",
                                     headers={"Accept": "application/json"})).json()
        assert body["problem"] is None and "data-theme=\"dark\"" in body["snippets"]["script"]


@pytest.mark.parametrize(("public_url", "said"), [
    ("", "served from 127.0.0.1"),
    ("https://widgets.example.org:8443", "port 8443"),
    ("http://192.168.1.20:8080", "served from 192.168.1.20"),
    ("https://widgets.example.org", None),
    ("http://widgets.example.org:8080", None),
])
async def test_the_customization_page_says_when_blogs_cannot_reach_it(
        tmp_path: Path, public_url: str, said: str | None) -> None:
    """WordPress trial: WordPress refused to fetch the embed from a loopback or private
    address, or any port but 80, 443 and 8080, and the owner only read "Sorry, this
    content could not be embedded"."""
    async with widget_env(tmp_path, public_url=public_url) as env:
        answer = await env.client.get("http://127.0.0.1:8000/",
                                      headers={"Accept": "application/json"})
        reach = answer.json()["reach"]
        assert (reach is None) if said is None else (said in reach)
        page = await env.client.get("http://127.0.0.1:8000/")
        assert ('class="check reach"' in page.text) is (said is not None)
