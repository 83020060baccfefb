"""The JSON API: `/api/groups/{group}`, `.../messages`, `.../latest`, `/api/public`.

CORS for GET from anywhere, ETags and 304s, and cache headers a CDN can follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from widget_server.bodies import Body, send_body
from widget_server.clock import iso8601
from widget_server.entries import Served
from widget_server.feed.pages import PAGE
from widget_server.groups import MAX_FROM
from widget_server.http import JSON, cache_control, json_bytes
from widget_server.services import services
from widget_server.upstream.models import Stream
from widget_server.views import group_data
from widget_server.views.live import group_events, public_events
from widget_server.views.params import api_view, bool_param, group_name, int_param, json_error


def _answer(request: Request, shape: tuple[Any, ...], served: Served[Any],
            payload: Callable[[], dict[str, Any]]) -> Response:
    """The body for `shape` (what the request asked) and the data's version, built once."""
    def build() -> Body:
        return Body(json_bytes({**payload(), "fetched": iso8601(served.fetched),
                           "stale": served.stale, "failing": served.failing}))

    bodies = services(request).json_bodies
    body = bodies.get((*shape, served.version, served.stale, served.failing), build)
    return send_body(request, body, JSON, {"Cache-Control": cache_control(served)})


def _stream_payload(stream: Stream) -> dict[str, Any]:
    return {"total": stream.total, "messages": [m.as_json() for m in stream.messages]}


@api_view
async def group_info(request: Request) -> Response:
    name = group_name(request)
    served = await group_data(request).info(name)
    return _answer(request, ("info", name.lower()), served,
                   lambda: {"group": served.value.as_json()})


@api_view
async def group_messages(request: Request) -> Response:
    name = group_name(request)
    start = int_param(request, "from", 0, 0, MAX_FROM)
    count = int_param(request, "range", PAGE, 1, PAGE)
    served = await group_data(request).messages(name, start, count)
    return _answer(request, ("messages", name, start, count), served, lambda: {
        "group": name, "from": start, "range": count, **_stream_payload(served.value)})


@api_view
async def group_latest(request: Request) -> Response:
    name = group_name(request)
    served = await group_data(request).messages(name, 0, 1)
    return _answer(request, ("latest", name.lower()), served, lambda: {
        "message": served.value.messages[0].as_json() if served.value.messages else None})


@api_view
async def public_stream(request: Request) -> Response:
    start = int_param(request, "from", 0, 0, MAX_FROM)
    count = int_param(request, "range", PAGE, 1, PAGE)
    skip_adult = bool_param(request, "skipAdult", True)
    served = await group_data(request).public(start, count, skip_adult)
    return _answer(request, ("public", start, count, skip_adult), served, lambda: {
        "from": start, "range": count, "skipAdult": skip_adult,
        "messages": [m.as_json() for m in served.value.messages]})


def api_mount() -> Mount:
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"],
                      allow_headers=["If-None-Match"], expose_headers=["ETag", "Retry-After"],
                      max_age=86400)
    return Mount("/api", middleware=[cors], routes=[
        Route("/groups/{group}", group_info, name="api_group"),
        Route("/groups/{group}/messages", group_messages, name="api_messages"),
        Route("/groups/{group}/latest", group_latest, name="api_latest"),
        Route("/public", public_stream, name="api_public"),
        Route("/groups/{group}/events", group_events, name="api_group_events"),
        Route("/public/events", public_events, name="api_public_events"),
    ])


async def not_found(request: Request, exc: Exception) -> Response:
    """The app's 404: under /api a JSON error like every other API error (whatever the
    path holds, newlines too), elsewhere plain words."""
    if request.url.path.startswith("/api/"):
        return json_error(404, "not_found", "There is nothing at this address.",
                      {"Cache-Control": "no-store"})
    return PlainTextResponse("Not Found", 404)
