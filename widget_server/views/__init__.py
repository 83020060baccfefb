"""The widget server's HTTP views: widgets, the JSON API, embedding (loader, oEmbed, feed),
the customization page, the subscription forms, and the OpenAPI description."""

from __future__ import annotations

from starlette.requests import Request

from widget_server.groups import GroupData
from widget_server.net import visitor
from widget_server.services import services

MAX_FORM = 4096


def group_data(request: Request) -> GroupData:
    """The app's group data, asked for by this request's client (whose new fetches are
    limited)."""
    data = services(request).data
    return data.seen_by(visitor(request))


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form's text fields, each cut at MAX_FORM characters; raises on a
    malformed or oversized body (a bad request, not a crash)."""
    async with request.form(max_files=0, max_fields=10, max_part_size=MAX_FORM) as form:
        return {k: v[:MAX_FORM] for k, v in form.items() if isinstance(v, str)}
