"""The group owner's console: log in with the GupShup phone and password, post to one's
groups, answer replies, invite friends. Server-rendered, complete without JavaScript.

    session    the signed cookie (the upstream token, never a password)
    owner      the owner's upstream calls, on the console's share of the budget
    rules      what is checked before any call: text, numbers, guessing, pace
    threads    which message each reply answers
    words      what it says, in English and Hindi
    views      the pages (GET); actions: the forms (POST)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cachetools import LRUCache
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from widget_server.console.owner import Owner
from widget_server.console.rules import ConsoleLimits
from widget_server.console.session import Sessions
from widget_server.console.threads import Notes
from widget_server.net import client_of
from widget_server.upstream.caller import calling

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Console:
    owner: Owner
    sessions: Sessions
    guard: ConsoleLimits
    notes: Notes
    # Each owner's last post per group, to say "same as your last post" before GupShup does.
    last_posts: LRUCache[tuple[str, str], str] = field(
        default_factory=lambda: LRUCache(4096))


def console_routes() -> list[BaseRoute]:
    from widget_server.console import actions, views

    group = "/console/groups/{group}"
    return [
        Route("/console", _as_console(views.home), name="console"),
        Route("/console/login", _as_console(actions.login), methods=["POST"],
              name="console_login"),
        Route("/console/logout", _as_console(actions.logout), methods=["POST"],
              name="console_logout"),
        Route(group, _as_console(views.group_page), name="console_group"),
        Route(group + "/messages", _as_console(actions.post), methods=["POST"],
              name="console_post"),
        Route(group + "/messages/{id}/replies", _as_console(actions.reply),
              methods=["POST"], name="console_reply"),
        Route(group + "/invites", _as_console(actions.invite), methods=["POST"],
              name="console_invite"),
    ]


def _as_console(endpoint: Endpoint) -> Endpoint:
    """Every upstream call a console page makes is the console's, on behalf of the
    owner's address (held to its share of the console's room)."""
    async def run(request: Request) -> Response:
        with calling("console", client_of(request)):
            return await endpoint(request)
    return run
