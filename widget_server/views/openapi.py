"""An OpenAPI description of the widget server's own HTTP surface, served at
`/openapi.json` for users and checked against the server by a contract test."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from widget_server.protocol import MESSAGE_ID, REST_PATH
from widget_server.sms.reports import WEBHOOK_PATH
from widget_server.views.openapi_shapes import (
    CONSOLE_WRITE,
    FROM,
    GROUP,
    GROUP_OBJECT,
    MESSAGE,
    RANGE,
    READY,
    SKIP_ADULT,
    TEXT,
    api_get,
    console_op,
    events_get,
    form_post,
    json_answer,
    object_of,
    page_get,
    subscribe_post,
    typed_answer,
    widget_options,
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "GupShup group widgets", "version": "1.0"},
    "paths": {
        "/api/groups/{group}": api_get("A group's name, title, description and counts",
                                       [GROUP], object_of(group=GROUP_OBJECT)),
        "/api/groups/{group}/messages": api_get(
            "A page of a group's messages, newest first", [GROUP, FROM, RANGE],
            object_of(group={"type": "string"}, **{"from": {"type": "integer"}},
                      range={"type": "integer"}, total={"type": ["integer", "null"]},
                      messages={"type": "array", "items": MESSAGE})),
        "/api/groups/{group}/latest": api_get(
            "A group's newest message", [GROUP],
            object_of(message={"oneOf": [MESSAGE, {"type": "null"}]})),
        "/api/public": api_get(
            "The public stream", [FROM, RANGE, SKIP_ADULT],
            object_of(**{"from": {"type": "integer"}}, range={"type": "integer"},
                      skipAdult={"type": "boolean"},
                      messages={"type": "array", "items": MESSAGE})),
        "/api/groups/{group}/subscribe": subscribe_post(
            "Phase I: send a code to a phone", {"phone": {"type": "string"}}),
        "/api/groups/{group}/subscribe/confirm": subscribe_post(
            "Phase II: confirm the code", {"ticket": {"type": "string"},
                                           "code": {"type": "string"}}),
        "/widget/groups/{group}": page_get("The group widget", "text/html",
                                           [GROUP, *widget_options()]),
        "/widget/public": page_get("The public-stream widget", "text/html",
                                   widget_options(SKIP_ADULT)),
        "/feeds/groups/{group}.atom": page_get("A group's Atom feed",
                                               "application/atom+xml", [GROUP]),
        "/oembed": {"get": {"summary": "oEmbed for a widget URL of this server", "parameters": [
            {"name": "url", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "format", "in": "query", "schema": {"enum": ["json"]}},
            {"name": "maxwidth", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "maxheight", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": json_answer({"type": "object", "required": [
                "version", "type", "html", "width", "height"]}, "the embed"),
                **{s: json_answer({"type": "object"}, "not ours, unknown or unavailable")
                   for s in ("403", "404", "429", "503")},
                "501": typed_answer("text/plain", "a format other than JSON (as oEmbed says)")}}},
        "/console": console_op("get", "The owner's console: the login form, or your groups",
                               "200 401 503", []),
        "/console/login": console_op("post", "Log in with the GupShup phone and password",
                                     "303 400 401 403 422 429 503", [], {
                                         "phone": {"type": "string"},
                                         "password": {"type": "string"}}),
        "/console/logout": console_op("post", "Log out (and end the GupShup token)",
                                      "303 400 403", [], {}),
        "/console/groups/{group}": console_op("get", "One of your groups",
                                              "200 303 401 404 503", [GROUP]),
        "/console/groups/{group}/messages": console_op("post", "Post to your group",
                                                       CONSOLE_WRITE, [GROUP], TEXT),
        "/console/groups/{group}/messages/{id}/replies": console_op(
            "post", "Reply from your group under one of its messages", CONSOLE_WRITE,
            [GROUP, {"name": "id", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": f"^{MESSAGE_ID.pattern}$"}}],
            {**TEXT, "to": {"type": "string"}}),
        "/console/groups/{group}/invites": console_op("post", "Invite friends to your group",
                                                      CONSOLE_WRITE, [GROUP],
                                                      {"phones": {"type": "string"}}),
        "/api/groups/{group}/events": events_get("A group's live widget: `changed` when "
                                                 "its messages have a new version", [GROUP]),
        "/api/public/events": events_get("The public stream's live widget", [SKIP_ADULT]),
        "/": {"get": {"summary": "The customization page (its state as JSON with `Accept: "
                      "application/json`)", "parameters": [
                          *widget_options()[:-1],
                          {"name": "group", "in": "query", "schema": {"type": "string"}}],
                      "responses": {"200": {"description": "the page", "content": {
                          "text/html": {"schema": {"type": "string"}},
                          "application/json": {"schema": {"type": "object"}}}}}}},
        "/embed.js": page_get("The script snippet's loader", "text/javascript", []),
        "/openapi.json": {"get": {"summary": "This description", "responses": {
            "200": json_answer({"type": "object"}, "OpenAPI 3")}}},
        "/widget/groups/{group}/subscribe": form_post("Phase I from the widget's own form"),
        "/widget/groups/{group}/subscribe/confirm": form_post("Phase II from the widget's form"),
        "/metrics": {"get": {"summary": "Prometheus metrics: to this machine only, or with "
                             "`Authorization: Bearer` WIDGET_METRICS_TOKEN", "responses": {
                                 "200": typed_answer("text/plain", "the exposition format"),
                                 "401": typed_answer("text/plain", "the token is needed"),
                                 "403": typed_answer("text/plain", "not from this machine")}}},
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
                "403": typed_answer("text/plain", "another site's page"),
                "404": typed_answer("text/plain", "not served by this server"),
                "413": typed_answer("text/plain", "a body over 64 KiB")}}
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
            "200": json_answer(object_of(status={"enum": ["alive"]}), "alive")}}},
        "/readyz": READY,
        "/healthz": READY,
    },
}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(DOCUMENT, headers={"Cache-Control": "public, max-age=3600"})
