"""The pieces the OpenAPI description (`openapi`) is made of: the shapes of answers and
parameters, and the operations every route of a kind shares."""

from __future__ import annotations

from typing import Any

from widget_server.options import BY_NAME, OPTIONS
from widget_server.protocol import GROUP_NAME

GROUP = {"name": "group", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": f"^{GROUP_NAME.pattern}$"}}
FROM = {"name": "from", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                  "maximum": 100000}}
RANGE = {"name": "range", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 15}}
TIME = {"type": "string", "format": "date-time"}
MESSAGE = {"type": "object", "required": ["id", "group", "text", "time"], "properties": {
    "id": {"type": "string"}, "group": {"type": "string"}, "text": {"type": "string"},
    "time": TIME, "adult": {"type": "boolean"}}}
GROUP_OBJECT = {"type": "object", "required": ["name", "title", "public", "members", "posts"],
                "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                               "description": {"type": "string"},
                               "public": {"type": "boolean"},
                               "members": {"type": "integer", "minimum": 0},
                               "posts": {"type": "integer", "minimum": 0},
                               "created": {"type": ["string", "null"]},
                               "lastPost": {"type": ["string", "null"]},
                               "disabled": {"type": "boolean"}}}
FRESHNESS = {"fetched": TIME, "stale": {"type": "boolean"},
             "failing": {"type": "boolean"}}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
OUTCOME = {"type": "object", "required": ["status", "code", "message"], "properties": {
    "status": {"enum": ["ok", "error"]}, "code": {"type": "string"},
    "message": {"type": "string"}, "ticket": {"type": "string"},
    "resendAfter": {"type": "number"}, "attemptsLeft": {"type": "integer"},
    "retryAfter": {"type": "integer"}}}


def json_answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def typed_answer(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def object_of(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def api_get(summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    errors = {str(s): json_answer(ERROR, d) for s, d in (
        (400, "a bad parameter"), (403, "a private group"), (404, "an unknown group"),
        (429, "this client asked for too many uncached keys"),
        (503, "nothing to serve and no budget or no upstream: see Retry-After"))}
    return {"get": {"summary": summary, "parameters": params, "responses": {
        "200": json_answer({**ok, "properties": {**ok["properties"], **FRESHNESS}}, "the data"),
        "304": {"description": "not modified (If-None-Match)"}, **errors}}}


def page_get(summary: str, media_type: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = {"200": typed_answer(media_type, summary), "304": {"description": "not modified"}}
    for status in ("400", "403", "404", "429", "503"):
        statuses[status] = typed_answer(media_type if media_type != "application/atom+xml"
                                  else "text/plain", "an error, in words")
    return {"get": {"summary": summary, "parameters": params, "responses": statuses}}


def subscribe_post(summary: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [GROUP], "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": fields}}}},
        "responses": {str(s): json_answer(OUTCOME, d) for s, d in (
            (200, "done, or a code sent"), (400, "a bad phone, code or ticket"),
            (403, "refused (cross-site, private group)"), (404, "an unknown group"),
            (429, "too many: see Retry-After"), (502, "the upstream refused"),
            (503, "try again: see Retry-After"))}}}


LANG = {"name": "lang", "in": "query", "schema": BY_NAME["lang"].schema}
CONSOLE_STATUSES = {
    "200": "the page", "303": "done: on to the next page", "400": "an unreadable form",
    "401": "log in first (or again)", "403": "refused: another site's form, an account "
    "not active or switched off", "404": "not one of your groups", "422": "what was typed "
    "breaks a rule, in words", "429": "too many tries or posts: see Retry-After",
    "502": "GupShup refused, in its words", "503": "try again: see Retry-After"}


def console_op(method: str, summary: str, statuses: str, params: list[dict[str, Any]],
             fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """A console page or form: HTML for people, every status explained on the page."""
    responses = {s: {"description": CONSOLE_STATUSES[s]} if s == "303"
                 else typed_answer("text/html", CONSOLE_STATUSES[s]) for s in statuses.split()}
    operation: dict[str, Any] = {"summary": summary, "parameters": [LANG, *params],
                                 "responses": responses}
    if fields is not None:
        operation["requestBody"] = {"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": fields}}}}
    return {method: operation}


TEXT = {"text": {"type": "string"}}
SKIP_ADULT = {"name": "skipAdult", "in": "query", "schema": {"type": "boolean"},
              "description": "Leave out adult groups' messages (the default)."}
CONSOLE_WRITE = "200 303 400 401 403 404 422 429 502 503"


READY = {"get": {"summary": "Readiness: the state store answers a write within a second "
                 "(503 with a reason if not); the upstream's state and the background "
                 "workers' health in the body", "responses": {
                     s: json_answer({"type": "object", "required": ["status"], "properties": {
                         "status": {"enum": ["ok", "degraded", "not ready"]}}}, d)
                     for s, d in (("200", "ready (stale data is served while the upstream "
                                   "fails: the body says so)"),
                                  ("503", "the store does not answer, or a worker keeps "
                                   "failing"))}}}


def form_post(summary: str) -> dict[str, Any]:
    """The widget's forms without JavaScript: the widget again, saying what happened."""
    return {"post": {"summary": summary, "parameters": [GROUP, LANG], "requestBody": {
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
        "responses": {s: typed_answer("text/html", "the widget, saying what happened")
                      for s in ("200", "400", "403", "404", "429", "502", "503")}}}


def events_get(summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"get": {"summary": summary + " (Server-Sent Events: `hello` at each connection, "
                    "then `changed`)", "parameters": params, "responses": {
                        "200": typed_answer("text/event-stream", "the stream"),
                        "400": json_answer(ERROR, "a bad group name"),
                        "503": json_answer(ERROR, "too many open streams here: poll instead")}}}


def widget_options(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [*({"name": o.name, "in": "query", "schema": o.schema, "description": o.doc}
              for o in OPTIONS), *extra, FROM]


