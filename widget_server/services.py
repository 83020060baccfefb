"""Everything a view needs, on one typed object that owns its start and close
(`create_app` builds it; a view reaches it by `services(request)`)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request

from widget_server.abuse import SignupLimits
from widget_server.assets import StaticAssets, resource_dir
from widget_server.bodies import Body, BodyCache
from widget_server.cache import Cache
from widget_server.clock import Clock
from widget_server.console import Console
from widget_server.console.owner import LOGIN_CALLS, Owner
from widget_server.console.rules import ConsoleLimits
from widget_server.console.session import Sessions
from widget_server.console.threads import Notes
from widget_server.datadir import private_dir
from widget_server.feed.watcher import Watcher
from widget_server.groups import GroupData
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.live import LiveHub
from widget_server.metrics import Metrics
from widget_server.protocol import WINDOWS
from widget_server.render import Renderer
from widget_server.schedule import Scheduler
from widget_server.settings import Settings
from widget_server.state import StateStore, open_state
from widget_server.state.base import Limit
from widget_server.state.limits import StoreCounters, StoreWindows
from widget_server.state.secret import stored_secret
from widget_server.subscribe import Subscriptions
from widget_server.tickets import Tickets
from widget_server.upstream.budget import Budget
from widget_server.upstream.client import UpstreamClient
from widget_server.upstream.priority import rules

LOCAL_BASE = "http://local-gupshup"
JSON_BODIES = 2 * 1024 * 1024  # bytes of rendered JSON answers kept


@dataclass
class Services:
    """The widget server's parts, built once per app."""

    settings: Settings
    clock: Clock
    metrics: Metrics
    state: StateStore
    budget: Budget
    client: UpstreamClient
    cache: Cache
    data: GroupData
    scheduler: Scheduler
    subscriptions: Subscriptions
    console: Console
    assets: StaticAssets
    renderer: Renderer
    json_bodies: BodyCache[Body]
    live: LiveHub
    local: LocalGupShup | None = None  # the embedded local GupShup, when it is the upstream
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        if self.local is not None:
            await self.local.start()
        self._tasks.append(asyncio.create_task(self.scheduler.run(), name="refreshes"))
        self._tasks.append(asyncio.create_task(self.live.run(), name="live"))

    async def close(self) -> None:
        for task in self._tasks:
            await cancel_until_done(task)
        if self.scheduler.watcher is not None:
            await self.scheduler.watcher.close()
        await self.cache.drain()
        await self.client.aclose()
        if self.local is not None:
            await self.local.stop()
            self.local.close()
        await self.state.aclose()


async def cancel_until_done(task: asyncio.Task[None]) -> None:
    """Cancel `task` until it ends: a library may swallow a cancellation that lands in the
    middle of its call (redis-py's, now and then), and a stop must never hang on that."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


def build_services(settings: Settings, clock: Clock,
                   transport: httpx.AsyncBaseTransport | None) -> Services:
    """With no upstream URL (and no transport), the local GupShup is embedded and called
    in-process as the upstream."""
    local = None
    if transport is None and not settings.upstream_url:
        local = LocalGupShup(settings, clock)
        # The widget's own calls have an identity of their own: no outside client (even
        # one behind a proxy on this host, 127.0.0.1 too) shares their throttle or limits.
        transport = httpx.ASGITransport(app=create_gupshup_app(settings, service=local),
                                        client=(local.inprocess_client, 0))
    private_dir(settings.data_dir)
    metrics = Metrics()
    state = open_state(settings, clock)
    budget = _budget(settings, clock, state)
    client = UpstreamClient(settings.upstream_url or LOCAL_BASE, budget,
                            timeout=settings.upstream_timeout, transport=transport,
                            metrics=metrics)
    cache = Cache(clock, budget, metrics, maxsize=settings.cache_size,
                  min_ttl=settings.min_ttl, error_ttl=settings.error_ttl,
                  active_horizon=settings.active_horizon, shared=state,
                  lock_ttl=2 * settings.upstream_timeout + 1, scheduled=True)
    secret = settings.secret_key or stored_secret(settings.data_dir)
    counters = StoreCounters(state, clock)
    assets = StaticAssets(resource_dir("static"))
    data = GroupData(client, cache)
    return Services(
        settings, clock, metrics, state, budget, client, cache, data,
        Scheduler(cache, clock, Watcher(data, state, clock, metrics)),
        Subscriptions(client, Tickets(secret, clock), SignupLimits(counters), clock),
        Console(Owner(client), Sessions(state, clock, settings.console_session),
                ConsoleLimits(counters, _logins(budget)), Notes(state, clock)),
        assets, Renderer(assets), BodyCache[Body](JSON_BODIES),
        LiveHub(cache, clock, metrics, settings.live_streams), local)


def _budget(settings: Settings, clock: Clock, state: StateStore) -> Budget:
    admission = rules(settings.budget, settings.floors(), settings.client_share)
    return Budget(settings.budget, admission, clock, store=state,
                  windows=StoreWindows(state, admission))


def _logins(budget: Budget) -> list[Limit]:
    """Logins one address may try: its share of the console's room, in logins."""
    share = budget.rules["console"].share
    return [] if share is None else [
        Limit(max(1, most // LOGIN_CALLS), seconds)
        for most, (_, seconds) in zip(share, WINDOWS, strict=True)]


def services(request: Request) -> Services:
    """The services of the app serving `request`."""
    found: Services = request.app.state.services
    return found
