"""`/api/groups/{group}/events` and `/api/public/events`: a Server-Sent Events stream that
says `changed` when the messages a widget shows have a new version (`live.LiveHub`)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from widget_server import keys
from widget_server.live import LiveHub
from widget_server.services import services
from widget_server.upstream.errors import BudgetExhausted
from widget_server.views.params import api_view, bool_param, group_name

PING = 25.0  # seconds: a comment now and then keeps proxies from closing an idle stream
SEND_TIMEOUT = 10.0  # a client that reads nothing for this long is let go
RETRY = (2000, 6000)  # ms before a browser reconnects, spread so a restart is no stampede
FULL_RETRY = 60.0


@api_view
async def group_events(request: Request) -> Response:
    return _stream(services(request).live, keys.stream(group_name(request), 0))


@api_view
async def public_events(request: Request) -> Response:
    return _stream(services(request).live,
                   keys.public(bool_param(request, "skipAdult", True), 0))


def _stream(hub: LiveHub, key: str) -> Response:
    if hub.full():  # the widget polls instead, as it does where EventSource is missing
        raise BudgetExhausted(FULL_RETRY)

    async def events() -> AsyncIterator[ServerSentEvent]:
        with hub.listening(key):
            # Said at every (re)connection: the widget asks for what it missed meanwhile.
            yield ServerSentEvent(str(hub.version(key)), event="hello",
                                  retry=random.randint(*RETRY))
            async for version in hub.changes(key):
                yield ServerSentEvent(str(version), event="changed")
    return EventSourceResponse(events(), ping=PING, send_timeout=SEND_TIMEOUT,
                               headers={"Cache-Control": "no-store",
                                        "X-Accel-Buffering": "no"})  # nginx: pass it on
