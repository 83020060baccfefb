"""An OpenAPI description of the widget server's own HTTP surface, served at
`/openapi.json` for users and checked against the server by a contract test."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from widget_server.options import BY_NAME, OPTIONS
from widget_server.protocol import GROUP_NAME, MESSAGE_ID, REST_PATH
from widget_server.sms.reports import WEBHOOK_PATH

_GROUP = {"name": "group", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": f"^{GROUP_NAME.pattern}$"}}
_FROM = {"name": "from", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                   "maximum": 100000}}
_RANGE = {"name": "range", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 15}}
_TIME = {"type": "string", "format": "date-time"}
_MESSAGE = {"type": "object", "required": ["id", "group", "text", "time"], "properties": {
    "id": {"type": "string"}, "group": {"type": "string"}, "text": {"type": "string"},
    "time": _TIME, "adult": {"type": "boolean"}}}
_GROUP_OBJECT = {"type": "object", "required": ["name", "title", "public", "members", "posts"],
                 "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                                "description": {"type": "string"},
                                "public": {"type": "boolean"},
                                "members": {"type": "integer", "minimum": 0},
                                "posts": {"type": "integer", "minimum": 0},
                                "created": {"type": ["string", "null"]},
                                "lastPost": {"type": ["string", "null"]},
                                "disabled": {"type": "boolean"}}}
_FRESHNESS = {"fetched": _TIME, "stale": {"type": "boolean"},
              "failing": {"type": "boolean"}}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
_OUTCOME = {"type": "object", "required": ["status", "code", "message"], "properties": {
    "status": {"enum": ["ok", "error"]}, "code": {"type": "string"},
    "message": {"type": "string"}, "ticket": {"type": "string"},
    "resendAfter": {"type": "number"}, "attemptsLeft": {"type": "integer"},
    "retryAfter": {"type": "integer"}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _typed(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _api(summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    errors = {str(s): _json(_ERROR, d) for s, d in (
        (400, "a bad parameter"), (403, "a private group"), (404, "an unknown group"),
        (429, "this client asked for too many uncached keys"),
        (503, "nothing to serve and no budget or no upstream: see Retry-After"))}
    return {"get": {"summary": summary, "parameters": params, "responses": {
        "200": _json({**ok, "properties": {**ok["properties"], **_FRESHNESS}}, "the data"),
        "304": {"description": "not modified (If-None-Match)"}, **errors}}}


def _page(summary: str, media_type: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = {"200": _typed(media_type, summary), "304": {"description": "not modified"}}
    for status in ("400", "403", "404", "429", "503"):
        statuses[status] = _typed(media_type if media_type != "application/atom+xml"
                                  else "text/plain", "an error, in words")
    return {"get": {"summary": summary, "parameters": params, "responses": statuses}}


def _subscribe(summary: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [_GROUP], "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": fields}}}},
        "responses": {str(s): _json(_OUTCOME, d) for s, d in (
            (200, "done, or a code sent"), (400, "a bad phone, code or ticket"),
            (403, "refused (cross-site, private group)"), (404, "an unknown group"),
            (429, "too many: see Retry-After"), (502, "the upstream refused"),
            (503, "try again: see Retry-After"))}}}


_LANG = {"name": "lang", "in": "query", "schema": BY_NAME["lang"].schema}
_CONSOLE_STATUSES = {
    "200": "the page", "303": "done: on to the next page", "400": "an unreadable form",
    "401": "log in first (or again)", "403": "refused: another site's form, an account "
    "not active or switched off", "404": "not one of your groups", "422": "what was typed "
    "breaks a rule, in words", "429": "too many tries or posts: see Retry-After",
    "502": "GupShup refused, in its words", "503": "try again: see Retry-After"}


def _console(method: str, summary: str, statuses: str, params: list[dict[str, Any]],
             fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A console page or form: HTML for people, every status explained on the page."""
    responses = {s: {"description": _CONSOLE_STATUSES[s]} if s == "303"
                 else _typed("text/html", _CONSOLE_STATUSES[s]) for s in statuses.split()}
    operation: dict[str, Any] = {"summary": summary, "parameters": [_LANG, *params],
                                 "responses": responses}
    if fields is not None:
        operation["requestBody"] = {"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": fields}}}}
    return {method: operation}


_TEXT = {"text": {"type": "string"}}
_SKIP_ADULT = {"name": "skipAdult", "in": "query", "schema": {"type": "boolean"},
               "description": "Leave out adult groups' messages (the default)."}
_CONSOLE_WRITE = "200 303 400 401 403 404 422 429 502 503"


_READY = {"get": {"summary": "Readiness: the state store answers a write within a second "
                  "(503 with a reason if not); the upstream's state and the background "
                  "workers' health in the body", "responses": {
                      s: _json({"type": "object", "required": ["status"], "properties": {
                          "status": {"enum": ["ok", "degraded", "not ready"]}}}, d)
                      for s, d in (("200", "ready (stale data is served while the upstream "
                                    "fails: the body says so)"),
                                   ("503", "the store does not answer, or a worker keeps "
                                    "failing"))}}}


def _form(summary: str) -> dict[str, Any]:
    """The widget's forms without JavaScript: the widget again, saying what happened."""
    return {"post": {"summary": summary, "parameters": [_GROUP, _LANG], "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
        "responses": {s: _typed("text/html", "the widget, saying what happened")
                      for s in ("200", "400", "403", "404", "429", "502", "503")}}}


def _events(summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"get": {"summary": summary + " (Server-Sent Events: `hello` at each connection, "
                    "then `changed`)", "parameters": params, "responses": {
                        "200": _typed("text/event-stream", "the stream"),
                        "400": _json(_ERROR, "a bad group name"),
                        "503": _json(_ERROR, "too many open streams here: poll instead")}}}


def _widget_options(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [*({"name": o.name, "in": "query", "schema": o.schema, "description": o.doc}
              for o in OPTIONS), *extra, _FROM]


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "GupShup group widgets", "version": "1.0"},
    "paths": {
        "/api/groups/{group}": _api("A group's name, title, description and counts",
                                    [_GROUP], _object(group=_GROUP_OBJECT)),
        "/api/groups/{group}/messages": _api(
            "A page of a group's messages, newest first", [_GROUP, _FROM, _RANGE],
            _object(group={"type": "string"}, **{"from": {"type": "integer"}},
                    range={"type": "integer"}, total={"type": ["integer", "null"]},
                    messages={"type": "array", "items": _MESSAGE})),
        "/api/groups/{group}/latest": _api(
            "A group's newest message", [_GROUP],
            _object(message={"oneOf": [_MESSAGE, {"type": "null"}]})),
        "/api/public": _api(
            "The public stream", [_FROM, _RANGE, _SKIP_ADULT],
            _object(**{"from": {"type": "integer"}}, range={"type": "integer"},
                    skipAdult={"type": "boolean"},
                    messages={"type": "array", "items": _MESSAGE})),
        "/api/groups/{group}/subscribe": _subscribe(
            "Phase I: send a code to a phone", {"phone": {"type": "string"}}),
        "/api/groups/{group}/subscribe/confirm": _subscribe(
            "Phase II: confirm the code", {"ticket": {"type": "string"},
                                           "code": {"type": "string"}}),
        "/widget/groups/{group}": _page("The group widget", "text/html",
                                        [_GROUP, *_widget_options()]),
        "/widget/public": _page("The public-stream widget", "text/html",
                                _widget_options(_SKIP_ADULT)),
        "/feeds/groups/{group}.atom": _page("A group's Atom feed", "application/atom+xml",
                                            [_GROUP]),
        "/oembed": {"get": {"summary": "oEmbed for a widget URL of this server", "parameters": [
            {"name": "url", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "format", "in": "query", "schema": {"enum": ["json"]}},
            {"name": "maxwidth", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "maxheight", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": _json({"type": "object", "required": [
                "version", "type", "html", "width", "height"]}, "the embed"),
                **{s: _json({"type": "object"}, "not ours, unknown or unavailable")
                   for s in ("403", "404", "429", "503")},
                "501": _typed("text/plain", "a format other than JSON (as oEmbed says)")}}},
        "/console": _console("get", "The owner's console: the login form, or your groups",
                             "200 401 503", []),
        "/console/login": _console("post", "Log in with the GupShup phone and password",
                                   "303 400 401 403 422 429 503", [], {
                                       "phone": {"type": "string"},
                                       "password": {"type": "string"}}),
        "/console/logout": _console("post", "Log out (and end the GupShup token)",
                                    "303 400 403", [], {}),
        "/console/groups/{group}": _console("get", "One of your groups", "200 303 401 404 503",
                                            [_GROUP]),
        "/console/groups/{group}/messages": _console("post", "Post to your group",
                                                     _CONSOLE_WRITE, [_GROUP], _TEXT),
        "/console/groups/{group}/messages/{id}/replies": _console(
            "post", "Reply from your group under one of its messages", _CONSOLE_WRITE,
            [_GROUP, {"name": "id", "in": "path", "required": True,
                      "schema": {"type": "string",
                                 "pattern": f"^{MESSAGE_ID.pattern}$"}}],
            {**_TEXT, "to": {"type": "string"}}),
        "/console/groups/{group}/invites": _console("post", "Invite friends to your group",
                                                    _CONSOLE_WRITE, [_GROUP],
                                                    {"phones": {"type": "string"}}),
        "/api/groups/{group}/events": _events("A group's live widget: `changed` when its "
                                              "messages have a new version", [_GROUP]),
        "/api/public/events": _events("The public stream's live widget", [_SKIP_ADULT]),
        "/": {"get": {"summary": "The customization page (its state as JSON with `Accept: "
                      "application/json`)", "parameters": [
                          *_widget_options()[:-1],
                          {"name": "group", "in": "query", "schema": {"type": "string"}}],
                      "responses": {"200": {"description": "the page", "content": {
                          "text/html": {"schema": {"type": "string"}},
                          "application/json": {"schema": {"type": "object"}}}}}}},
        "/embed.js": _page("The script snippet's loader", "text/javascript", []),
        "/openapi.json": {"get": {"summary": "This description", "responses": {
            "200": _json({"type": "object"}, "OpenAPI 3")}}},
        "/widget/groups/{group}/subscribe": _form("Phase I from the widget's own form"),
        "/widget/groups/{group}/subscribe/confirm": _form("Phase II from the widget's form"),
        "/metrics": {"get": {"summary": "Prometheus metrics: to this machine only, or with "
                             "`Authorization: Bearer` WIDGET_METRICS_TOKEN", "responses": {
                                 "200": _typed("text/plain", "the exposition format"),
                                 "401": _typed("text/plain", "the token is needed"),
                                 "403": _typed("text/plain", "not from this machine")}}},
        REST_PATH: {method: {
            "summary": "The local GupShup's REST API (docs/protocol/group-rest-api.txt): "
                       "served only with WIDGET_EXPOSE_GUPSHUP", "parameters": [
                {"name": "method", "in": "query", "schema": {"type": "string"}},
                {"name": "v", "in": "query", "schema": {"type": "string"}},
                {"name": "format", "in": "query", "schema": {"enum": ["json", "xml"]}}],
            "responses": {
                "200": {"description": "the answer, errors in it (XML or JSON)", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/xml": {"schema": {"type": "string"}}}},
                "403": _typed("text/plain", "another site's page"),
                "404": _typed("text/plain", "not served by this server"),
                "413": _typed("text/plain", "a body over 64 KiB")}}
            for method in ("get", "post")},
        WEBHOOK_PATH: {"post": {
            "summary": "Delivery reports from the SMS gateway (docs/protocol/sms-api.txt), "
                       "with `X-Webhook-Secret`; only when WIDGET_SMS_WEBHOOK_SECRET is set",
            "requestBody": {"content": {"application/json": {"schema": {}}}},
            "responses": {"204": {"description": "kept, applied soon"},
                          "400": {"description": "not a report"},
                          "403": {"description": "the wrong secret"},
                          "404": {"description": "no webhook here (no secret set)"},
                          "413": {"description": "a body over 64 KiB"},
                          "503": {"description": "cannot be kept now: see Retry-After"}}}},
        "/livez": {"get": {"summary": "Liveness: the process answers", "responses": {
            "200": _json(_object(status={"enum": ["alive"]}), "alive")}}},
        "/readyz": _READY,
        "/healthz": _READY,
    },
}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(DOCUMENT, headers={"Cache-Control": "public, max-age=3600"})
