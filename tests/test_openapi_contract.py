"""A contract test of the widget server's own HTTP surface: schemathesis generates requests
(valid and invalid) from the OpenAPI description the server publishes at /openapi.json;
every answer must be a documented status with a documented content type, match its
schema, and never be a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from tests.harness import kept
from widget_server.app import create_app
from widget_server.settings import Settings
from widget_server.views.openapi import DOCUMENT

# Budgets and limits out of the way: what is checked here is the shape of every answer.
APP = create_app(Settings(data_dir=Path(tempfile.mkdtemp(prefix="contract-")),
                          budget=(10**6, 10**7, 10**8), **kept((1000, 1000, 1000)),
                          throttle_warn=(10**6,) * 3, throttle_limit=(10**6 + 1,) * 3,
                          client_share=1.0, allowed_hosts=("*",)))


async def served(scope: Scope, receive: Receive, send: Send) -> None:
    """The app, started once: schemathesis's client would stop it after every call."""
    if scope["type"] != "lifespan":
        await APP(scope, receive, send)
        return
    while True:
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        if message["type"] == "lifespan.shutdown":
            return


# The live streams never end: test_live.py holds them to their description.
schema = schemathesis.openapi.from_asgi("/openapi.json", served).exclude(
    path_regex=r"/events$")
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _no_server_error(case: Any) -> list[Any]:
    """Every check, and no 5xx but the one oEmbed itself prescribes for other formats."""
    if case.path == "/oembed" and case.query and case.query.get("format") not in (None, "json"):
        return CHECKS
    return [not_a_server_error, *CHECKS]


@schema.parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_server_keeps_its_published_contract(case: Any) -> None:
    case.call_and_validate(checks=_no_server_error(case))


def test_every_route_is_described() -> None:
    """Red team, second round: /openapi.json left out /metrics, the webhook and the raw
    API. Every route the server has (the raw API's too) is in it now."""
    described = set(DOCUMENT["paths"])
    app = create_app(Settings(data_dir=Path(tempfile.mkdtemp(prefix="routes-")),
                              expose_gupshup=True))
    for route in app.routes:
        assert isinstance(route, Route | Mount)
        paths = [route.path] if isinstance(route, Route) else [
            route.path + r.path for r in route.routes if isinstance(r, Route)]
        for path in paths:
            if "{path:path}" in path:  # the static files
                continue
            assert path in described, path
