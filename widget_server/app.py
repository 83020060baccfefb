"""The widget server: `create_app(settings)` builds everything; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from widget_server.abuse import AbuseGuard
from widget_server.assets import StaticAssets, resource_dir
from widget_server.bodies import Body, BodyCache
from widget_server.cache import Cache
from widget_server.clock import Clock, system_clock
from widget_server.console import Console, console_routes
from widget_server.console.owner import Owner
from widget_server.console.rules import Guard
from widget_server.console.session import Sessions
from widget_server.console.threads import Notes
from widget_server.groups import GroupData
from widget_server.gupshup.app import (
    INPROCESS_CLIENT,
    LocalGupShup,
    create_gupshup_app,
    health_answer,
)
from widget_server.hot import HotCache
from widget_server.metrics import Metrics
from widget_server.render import Renderer
from widget_server.schedule import Scheduler
from widget_server.security import NoSniff
from widget_server.settings import Settings
from widget_server.state import open_state
from widget_server.state.limits import StoreCounters, StoreWindows, console_share
from widget_server.state.secret import stored_secret
from widget_server.subscribe import Subscriptions
from widget_server.tickets import Tickets
from widget_server.upstream.budget import Budget
from widget_server.upstream.client import UpstreamClient
from widget_server.views.api import api_mount, not_found
from widget_server.views.customize import customize
from widget_server.views.embed import atom_feed, embed_js, oembed
from widget_server.views.openapi import openapi_json
from widget_server.views.subscribe import confirm_form, confirm_json, start_form, start_json
from widget_server.views.widgets import group_widget, public_widget

LOCAL_BASE = "http://local-gupshup"


def create_app(settings: Settings, *, clock: Clock = system_clock,
               transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The widget server. With no upstream URL (and no transport) it embeds the local
    GupShup: served at `/GupshupAPI/rest` and called in-process as the upstream."""
    local = None
    base = settings.upstream_url or LOCAL_BASE
    if transport is None and not settings.upstream_url:
        local = LocalGupShup(settings, clock)
        # The widget's own calls have an identity of their own: no outside client (even
        # one behind a proxy on this host, 127.0.0.1 too) shares their throttle or limits.
        transport = httpx.ASGITransport(app=create_gupshup_app(settings, service=local),
                                        client=(INPROCESS_CLIENT, 0))
    metrics = Metrics()
    state = open_state(settings, clock)
    budget = Budget(settings.budget, settings.budget_reserve, clock, peers=state,
                    windows=StoreWindows(state, settings.budget, settings.budget_reserve,
                                         console_share(settings.budget_reserve,
                                                       settings.console_share)))
    client = UpstreamClient(base, budget, timeout=settings.upstream_timeout,
                            transport=transport, calls=metrics.upstream,
                            tags=metrics.throttle_tags)
    cache = Cache(clock, budget, metrics, maxsize=settings.cache_size,
                  min_ttl=settings.min_ttl, error_ttl=settings.error_ttl,
                  active_horizon=settings.active_horizon, shared=state,
                  lock_ttl=2 * settings.upstream_timeout + 1,
                  misses_per_client=settings.misses_per_client)
    assets = StaticAssets(resource_dir("static"))
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
        Route("/static/{path:path}", assets.serve, name="static"),
        Route("/healthz", healthz_view, name="healthz"),
        Route("/metrics", metrics_view, name="metrics"),
        Route("/openapi.json", openapi_json, name="openapi"),
        *console_routes(),
        api_mount(),
    ]
    if local is not None:  # the webhook always; the raw API only when asked for
        routes += local.routes if settings.expose_gupshup else [local.webhook_route]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if local is not None:
            await local.start()
        scheduling = asyncio.create_task(Scheduler(cache, clock).run(), name="refreshes")
        yield
        scheduling.cancel()
        await cache.drain()
        await client.aclose()
        if local is not None:
            await local.stop()
            local.close()
        await state.aclose()

    hot = Middleware(HotCache, clock=clock, ttl=settings.hot_ttl, hits=metrics.hot_hits)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[hot, Middleware(NoSniff)],
                    exception_handlers={404: not_found})
    app.state.settings = settings
    app.state.local_gupshup = local
    app.state.metrics = metrics
    app.state.budget = budget
    app.state.data = GroupData(client, cache)
    secret = settings.secret_key or stored_secret(settings.data_dir)
    counters = StoreCounters(state, clock)
    app.state.subscriptions = Subscriptions(client, Tickets(secret, clock),
                                            AbuseGuard(counters), clock)
    app.state.console = Console(Owner(client), Sessions(secret, clock, settings.console_session),
                                Guard(counters), Notes(state, clock))
    app.state.assets = assets
    app.state.renderer = Renderer(assets)
    app.state.json_bodies = BodyCache[Body](2 * 1024 * 1024)
    return app


async def healthz_view(request: Request) -> Response:
    local: LocalGupShup | None = request.app.state.local_gupshup
    return health_answer(local.workers if local else None)


async def metrics_view(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if token and not hmac.compare_digest(given.encode(), token.encode()):
        return Response("Metrics need their token.", 401, headers={
            "WWW-Authenticate": "Bearer", "Cache-Control": "no-store"})
    metrics: Metrics = request.app.state.metrics
    budget: Budget = request.app.state.budget
    with contextlib.suppress(Exception):  # the budget's store may be down
        for window, left in (await budget.remaining()).items():
            metrics.budget_left.labels(window=window).set(left)
    local: LocalGupShup | None = request.app.state.local_gupshup
    for name, state in (local.workers.states if local else {}).items():
        metrics.worker_up.labels(worker=name).set(int(state.healthy))
        metrics.worker_failures.labels(worker=name).set(state.failures)
    metrics.cache_keys.set(len(request.app.state.data.cache))
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
