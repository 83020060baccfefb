"""The widgets: `/widget/groups/{group}` and `/widget/public`, rendered from the cache."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from widget_server.clock import iso8601
from widget_server.entries import Served
from widget_server.groups import MAX_FROM
from widget_server.http import cache_control, plain_int
from widget_server.options import MAX_COUNT, Options
from widget_server.palette import palettes
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.render import Renderer
from widget_server.security import page_response
from widget_server.services import services
from widget_server.settings import settings_of
from widget_server.upstream.errors import UpstreamError
from widget_server.upstream.models import Stream
from widget_server.views import READER_VARY, group_data, reader_options
from widget_server.views.embed import base_url
from widget_server.words import say, strings


def _start(request: Request) -> int:
    return plain_int(request.query_params.get("from", "0"), MAX_FROM) or 0


def _base_context(request: Request, options: Options) -> dict[str, Any]:
    light, dark = palettes(options.color)
    t = strings(options.lang, settings_of(request).time_zone)
    return {"o": options, "t": t, "light": light.css(), "dark": dark.css(),
            "base": base_url(request),
            # the live announcement for each number of new messages a widget can show
            "news": {n: t.say("new_messages", n=n) for n in range(1, MAX_COUNT + 1)}}


def _renderer(request: Request) -> Renderer:
    renderer = services(request).renderer
    return renderer


def error_page(request: Request, options: Options, status: int, message_key: str,
               headers: dict[str, str] | None = None, **words: int) -> Response:
    key = ("error", base_url(request), status, message_key, tuple(words.items()), options)
    page = _renderer(request).render(key, "error.html", lambda: {
        **_base_context(request, options), "message": say(options.lang, message_key, **words),
        "retry": words.get("s") if status == 503 else None})
    return page_response(request, page, status=status, headers={**READER_VARY, **(headers or {})})


def _upstream_error_page(request: Request, options: Options, error: UpstreamError) -> Response:
    answer = refusal(error)
    return error_page(request, options, answer.status, answer.key, answer.headers(),
                      **answer.words())


async def group_widget(request: Request) -> Response:
    options = reader_options(request)
    name = str(request.path_params["group"])
    return await render_group(request, options, name, FORM_START if options.subscribe else None)


async def render_group(request: Request, options: Options, name: str,
                       form_step: dict[str, Any] | None = None, status: int = 200,
                       headers: dict[str, str] | None = None) -> Response:
    """The group widget; `form_step` is where the subscribe form stands, if it is shown."""
    if not GROUP_NAME.fullmatch(name):
        return error_page(request, options, 400, "bad_name")
    start = _start(request)
    try:
        info, page = await group_data(request).info_and_messages(name, start, options.count)
    except UpstreamError as error:
        return _upstream_error_page(request, options, error)

    def context() -> dict[str, Any]:
        return {**_base_context(request, options),
                **_page_context(page, start, options, f"/widget/groups/{name}"),
                "group": info.value, "failing": info.failing or page.failing,
                # URLs from the name asked for (checked), never from the upstream's
                "name": name, "api": f"/api/groups/{name}/messages?range={options.count}",
                "events": f"/api/groups/{name}/events",
                "sub": _subscribe_context(name, options, form_step)}

    control = cache_control(page)
    if form_step is None or form_step == FORM_START:
        # The base is part of the key: without WIDGET_PUBLIC_URL it is the request's Host,
        # and one request's Host must never reach the page another visitor is sent.
        key = ("group", base_url(request), name.lower(), start, options, info.version,
               info.failing, page.version, page.failing)
        rendered = _renderer(request).render(key, "group.html", context)
    else:  # a visitor's own step of the form: never shared, never stored
        rendered = _renderer(request).render(None, "group.html", context)
        control = "no-store"
    return page_response(request, rendered, status=status,
                         headers={"Cache-Control": control, **READER_VARY, **(headers or {})})


FORM_START: dict[str, Any] = {"step": "start"}


def _subscribe_context(name: str, options: Options,
                       form_step: dict[str, Any] | None) -> dict[str, Any] | None:
    if form_step is None:
        return None
    query = options.query()
    return {**form_step, "start_url": f"/widget/groups/{name}/subscribe?{query}#subscribe",
            "confirm_url": f"/widget/groups/{name}/subscribe/confirm?{query}#subscribe",
            "change_url": f"/widget/groups/{name}?{query}"}


async def public_widget(request: Request) -> Response:
    options = reader_options(request)
    skip_adult = request.query_params.get("skipAdult", "true").lower() != "false"
    start = _start(request)
    try:
        page = await group_data(request).public(start, options.count, skip_adult)
    except UpstreamError as error:
        return _upstream_error_page(request, options, error)
    key = ("public", base_url(request), start, skip_adult, options, page.version,
           page.failing)
    rendered = _renderer(request).render(key, "public.html", lambda: {
        **_base_context(request, options),
        **_page_context(page, start, options, "/widget/public"), "group": None,
        "failing": page.failing,
        "api": f"/api/public?range={options.count}&skipAdult={str(skip_adult).lower()}",
        "events": f"/api/public/events?skipAdult={str(skip_adult).lower()}"})
    return page_response(request, rendered,
                         headers={"Cache-Control": cache_control(page), **READER_VARY})


def _page_context(page: Served[Stream], start: int, options: Options,
                  path: str) -> dict[str, Any]:
    """Links by path as well as query: the page may be the answer to a form's POST."""
    count = options.count
    total = page.value.total
    has_older = len(page.value.messages) >= count and (total is None or start + count < total)
    return {
        "messages": page.value.messages, "fetched": iso8601(page.fetched), "start": start,
        "older": f"{path}?" + options.query(**{"from": start + count}) if has_older else None,
        "newer": f"{path}?" + options.query(**{"from": max(0, start - count)})
        if start else None,
    }
