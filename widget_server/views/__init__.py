"""The widget server's HTTP views: widgets, the JSON API, embedding (loader, oEmbed, feed),
the customization page, the subscription forms, and the OpenAPI description."""

from __future__ import annotations

from starlette.requests import Request

from widget_server.groups import GroupData
from widget_server.net import visitor


def group_data(request: Request) -> GroupData:
    """The app's group data, asked for by this request's client (whose new fetches are
    limited)."""
    data: GroupData = request.app.state.data
    return data.seen_by(visitor(request))
