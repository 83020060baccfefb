"""How other sites get the widget: `/embed.js`, `/oembed`, and the Atom feed of a group."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from widget_server.assets import BRIEF
from widget_server.bodies import send_body
from widget_server.clock import iso8601
from widget_server.embeds import LOADER, WP_MAX, WP_MIN, oembed_html
from widget_server.http import plain_int
from widget_server.options import Options
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.services import services
from widget_server.settings import settings_of
from widget_server.upstream.errors import UpstreamError
from widget_server.views import group_data
from widget_server.views.params import request_lang
from widget_server.words import say

WIDGET_PATH = re.compile(r"/widget/(?:groups/(?P<group>[A-Za-z0-9_-]{1,64})|public)/?")


def base_url(request: Request) -> str:
    public: str = settings_of(request).public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


async def embed_js(request: Request) -> Response:
    return Response(LOADER, media_type="text/javascript; charset=utf-8", headers={
        "Cache-Control": BRIEF, "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*"})


def _size(request: Request, name: str, default: int) -> int:
    return min(default, plain_int(request.query_params.get(name, ""), default) or default)


async def oembed(request: Request) -> Response:
    """The oEmbed provider (JSON, type `rich`) for widget URLs of this server."""
    if request.query_params.get("format", "json") != "json":
        return Response("Only JSON is provided.", 501, media_type="text/plain")
    url = urlsplit(request.query_params.get("url", ""))
    ours = urlsplit(base_url(request)).netloc
    match = WIDGET_PATH.fullmatch(url.path)
    if url.scheme not in ("http", "https") or url.netloc not in (ours, request.url.netloc) \
            or match is None:
        return JSONResponse({"error": say(request_lang(request), "not_a_widget")}, 404)
    options = Options.parse(dict(_query_pairs(url.query)))
    lang = request_lang(request, options.lang)
    group = match.group("group")
    title = "GupShup public stream"
    if group:
        try:
            title = (await group_data(request).info(group)).value.title or group
        except UpstreamError as error:
            answer = refusal(error)
            return JSONResponse({"error": in_words(error, lang)}, answer.status,
                                headers=answer.headers())
    width = _size(request, "maxwidth", 480)
    # The frame shows at the widget's own height once it speaks; until then this one,
    # within what WordPress keeps (the widget lets its messages scroll past 1000 px).
    height = max(WP_MIN, min(WP_MAX, _size(request, "maxheight", options.height())))
    src = f"{base_url(request)}{url.path}" + (f"?{options.query()}" if options.query() else "")
    html = oembed_html(src, title, height, secrets.token_hex(8))
    return JSONResponse({
        "version": "1.0", "type": "rich", "provider_name": "GupShup widgets",
        "provider_url": base_url(request) + "/", "title": title, "width": width,
        "height": height, "cache_age": 3600, "html": html,
    }, headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"})


def in_words(error: UpstreamError, lang: str) -> str:
    """What went wrong, truly: an outage is not a missing group."""
    answer = refusal(error)
    return say(lang, answer.key, **answer.words())


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl
    return parse_qsl(query, max_num_fields=20)


async def atom_feed(request: Request) -> Response:
    name = str(request.path_params["group"])
    if not GROUP_NAME.fullmatch(name):
        return Response("Bad group name", 400, media_type="text/plain")
    try:
        info, page = await group_data(request).info_and_messages(name, 0, 15)
    except UpstreamError as error:
        answer = refusal(error)
        return Response(in_words(error, request_lang(request)), answer.status,
                        headers=answer.headers(),
                        media_type="text/plain")
    renderer = services(request).renderer
    base = base_url(request)
    key = ("atom", name.lower(), base, info.version, page.version)
    messages = page.value.messages
    rendered = renderer.render(key, "feed.atom", lambda: {
        "base": base, "name": name, "group": info.value, "messages": messages,
        "updated": iso8601(messages[0].time.timestamp() if messages else info.fetched)})
    return send_body(request, rendered, "application/atom+xml; charset=utf-8",
                     {"Cache-Control": "public, max-age=300"})
