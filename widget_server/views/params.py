"""What every JSON API view shares: its parameters read strictly, and its errors (a bad
request, a refusal) answered as JSON in the asker's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from widget_server.http import JSON, json_bytes
from widget_server.i18n import LANGS, negotiate
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.upstream.errors import UpstreamError
from widget_server.words import say

View = Callable[[Request], Awaitable[Response]]


class BadRequest(ValueError):
    """A parameter that cannot be read: `key` (in words.WIDGET) and what fills it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def group_name(request: Request) -> str:
    name = str(request.path_params["group"])
    if not GROUP_NAME.fullmatch(name):
        raise BadRequest("bad_name")
    return name


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("not_whole", name=name) from None
    if not low <= value <= high:
        raise BadRequest("out_of_range", name=name, low=low, high=high)
    return value


def bool_param(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw in ("", "true", "1", "yes"):
        return default if raw == "" else True
    if raw in ("false", "0", "no"):
        return False
    raise BadRequest("not_boolean", name=name)


def request_lang(request: Request, asked: str | None = None) -> str:
    """The language a request is answered in (i18n.negotiate): `asked` (the `lang` of a
    widget URL a request names), else its own `?lang=` (a widget's option), else its
    browser's."""
    wanted = asked if asked in LANGS else request.query_params.get("lang")
    return negotiate(wanted, request.headers.get("accept-language", ""))


def json_error(status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    return Response(json_bytes({"error": {"code": code, "message": message}}), status,
                    headers=headers, media_type=JSON)


def api_view(view: View) -> View:
    @wraps(view)
    async def wrapper(request: Request) -> Response:
        try:
            return await view(request)
        except BadRequest as error:
            return json_error(400, "bad_request", say(request_lang(request), error.key,
                                                      **error.values),
                              {"Cache-Control": "no-store"})
        except UpstreamError as error:
            answer = refusal(error)
            lang = request_lang(request)
            return json_error(answer.status, answer.code, say(lang, answer.key, **answer.words()),
                          answer.headers())
    return wrapper


