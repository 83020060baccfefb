"""The JSON API: `/api/groups/{group}`, `.../messages`, `.../latest`, `/api/public`.

CORS for GET from anywhere, ETags and 304s, and cache headers a CDN can follow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
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
from widget_server.i18n import lang_of, say
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.services import services
from widget_server.upstream.errors import UpstreamError
from widget_server.upstream.models import Stream
from widget_server.views import group_data

View = Callable[[Request], Awaitable[Response]]


class BadRequest(ValueError):
    pass


def group_name(request: Request) -> str:
    name = str(request.path_params["group"])
    if not GROUP_NAME.fullmatch(name):
        raise BadRequest("A group name is 1 to 64 letters, digits, '-' or '_'.")
    return name


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}.")
    return value


def bool_param(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw in ("", "true", "1", "yes"):
        return default if raw == "" else True
    if raw in ("false", "0", "no"):
        return False
    raise BadRequest(f"'{name}' must be true or false.")


def _error(status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    return Response(json_bytes({"error": {"code": code, "message": message}}), status,
                    headers=headers, media_type=JSON)


def api_view(view: View) -> View:
    @wraps(view)
    async def wrapper(request: Request) -> Response:
        try:
            return await view(request)
        except BadRequest as error:
            return _error(400, "bad_request", str(error), {"Cache-Control": "no-store"})
        except UpstreamError as error:
            answer = refusal(error)
            lang = lang_of(request.query_params.get("lang"))
            return _error(answer.status, answer.code, say(lang, answer.key, **answer.words()),
                          answer.headers())
    return wrapper


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
    ])


async def not_found(request: Request, exc: Exception) -> Response:
    """The app's 404: under /api a JSON error like every other API error (whatever the
    path holds, newlines too), elsewhere plain words."""
    if request.url.path.startswith("/api/"):
        return _error(404, "not_found", "There is nothing at this address.",
                      {"Cache-Control": "no-store"})
    return PlainTextResponse("Not Found", 404)
