"""The widget server: `create_app(settings)` builds everything; nothing happens at import."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from widget_server.clock import Clock, system_clock
from widget_server.console import console_routes
from widget_server.hosts import KnownHosts, own_names
from widget_server.hot import HotCache
from widget_server.request_limits import RequestLimits
from widget_server.request_metrics import RequestMetrics
from widget_server.security import NoSniff
from widget_server.services import Services, build_services
from widget_server.settings import Settings
from widget_server.views.api import api_mount, not_found
from widget_server.views.customize import customize
from widget_server.views.embed import atom_feed, embed_js, oembed
from widget_server.views.openapi import openapi_json
from widget_server.views.ops import metrics_view, readyz_view
from widget_server.views.subscribe import confirm_form, confirm_json, start_form, start_json
from widget_server.views.widgets import group_widget, public_widget
from widget_server.workers import livez


def create_app(settings: Settings, *, clock: Clock = system_clock,
               transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The widget server. With no upstream URL (and no transport) it embeds the local
    GupShup: served at `/GupshupAPI/rest` and called in-process as the upstream."""
    parts = build_services(settings, clock, transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await parts.start()
        try:
            yield
        finally:
            await parts.close()

    hot = Middleware(HotCache, clock=clock, ttl=settings.hot_ttl, hits=parts.metrics.hot_hits)
    hosts = Middleware(KnownHosts, names=own_names(settings))
    app = Starlette(routes=_routes(parts), lifespan=lifespan,
                    middleware=[Middleware(RequestMetrics, metrics=parts.metrics), hosts,
                                Middleware(RequestLimits, seconds=settings.body_timeout),
                                hot, Middleware(NoSniff)],
                    exception_handlers={404: not_found})
    app.state.services = parts
    return app


def _routes(parts: Services) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", customize, name="customize"),
        Route("/embed.js", embed_js, name="embed_js"),
        Route("/widget/groups/{group}", group_widget, name="group_widget"),
        Route("/widget/groups/{group}/subscribe", start_form, methods=["POST"],
              name="subscribe"),
        Route("/widget/groups/{group}/subscribe/confirm", confirm_form, methods=["POST"],
              name="subscribe_confirm"),
        Route("/api/groups/{group}/subscribe", start_json, methods=["POST"],
              name="api_subscribe"),
        Route("/api/groups/{group}/subscribe/confirm", confirm_json, methods=["POST"],
              name="api_subscribe_confirm"),
        Route("/widget/public", public_widget, name="public_widget"),
        Route("/oembed", oembed, name="oembed"),
        Route("/feeds/groups/{group}.atom", atom_feed, name="atom_feed"),
        Route("/static/{path:path}", parts.assets.serve, name="static"),
        Route("/livez", livez, name="livez"),
        Route("/readyz", readyz_view, name="readyz"),
        Route("/healthz", readyz_view, name="healthz"),  # the older name
        Route("/metrics", metrics_view, name="metrics"),
        Route("/openapi.json", openapi_json, name="openapi"),
        *console_routes(),
        api_mount(),
    ]
    if parts.local is not None:  # the webhook always; the raw API only when asked for
        local = parts.local
        routes += local.routes if parts.settings.expose_gupshup else [local.webhook_route]
    return routes
