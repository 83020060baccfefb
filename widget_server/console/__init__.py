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

from dataclasses import dataclass, field

from cachetools import LRUCache
from starlette.routing import BaseRoute, Route

from widget_server.console.owner import Owner
from widget_server.console.rules import ConsoleLimits
from widget_server.console.session import Sessions
from widget_server.console.threads import Notes


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
        Route("/console", views.home, name="console"),
        Route("/console/login", actions.login, methods=["POST"], name="console_login"),
        Route("/console/logout", actions.logout, methods=["POST"], name="console_logout"),
        Route(group, views.group_page, name="console_group"),
        Route(group + "/messages", actions.post, methods=["POST"], name="console_post"),
        Route(group + "/messages/{id}/replies", actions.reply, methods=["POST"],
              name="console_reply"),
        Route(group + "/invites", actions.invite, methods=["POST"], name="console_invite"),
    ]
