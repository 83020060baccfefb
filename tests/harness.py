"""Upstreams for tests: the local GupShup behind a switch that can make it misbehave, and a
raw loopback server that trickles or never answers (MockTransport never times out)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import parse_qs

import httpx
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.helpers import call
from tests.live import live_server
from tests.redis_server import redis_url
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.groups import GroupData
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE
from widget_server.protocol import login_rand
from widget_server.schedule import TICK
from widget_server.services import Services
from widget_server.settings import Settings

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<response><status>success</status><group>&lol3;</group></response>"""


def _envelope(body: dict[str, object]) -> bytes:
    return json.dumps({"response": body}).encode()


FAILURES: dict[str, httpx.Response] = {
    "500": httpx.Response(500, text="Internal Server Error"),
    "bad_json": httpx.Response(200, content=b'{"response": {"status": "succ',
                               headers={"content-type": "application/json"}),
    "bad_xml": httpx.Response(200, content=b"<response><status>success</status><group>",
                              headers={"content-type": "application/xml"}),
    "bomb": httpx.Response(200, content=BOMB, headers={"content-type": "application/xml"}),
    "huge": httpx.Response(200, content=_envelope({"status": "success",
                                                   "pad": "a" * (2 * 1024 * 1024)}),
                           headers={"content-type": "application/json"}),
    "113": httpx.Response(200, content=_envelope({"status": "error", "error": {
        "code": 113, "msg": 'The API call has not been executed since you have exceeded '
                            'the throttle minute limit of "30".'}})),
    "129": httpx.Response(200, content=_envelope({"status": "error", "error": {
        "code": 129, "msg": "There was an internal error and your last action could not be "
                            "performed. Please resubmit your last action after some time."}})),
    "not_found": httpx.Response(200, content=_envelope({"status": "error", "error": {
        "code": 2, "msg": "The specified group name is invalid."}})),
    "redirect": httpx.Response(302, headers={"location": "http://example.invalid/"}),
    "garbage_fields": httpx.Response(200, content=_envelope({
        "status": "success", "group": {"name": "jumpy", "members": "many"},
        "messages": [{"id": 1, "text": "no time"}]})),
    "infinite_total": httpx.Response(200, content=b'{"response": {"status": "success", '
                                     b'"total": 1e999, "messages": [], "group": {"name": '
                                     b'"jumpy", "members": 1e999}}}'),
}


class Switchable(httpx.AsyncBaseTransport):
    """Forwards to `inner` in mode "ok"; otherwise answers the named failure."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.mode = "ok"
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.mode == "ok":
            return await self.inner.handle_async_request(request)
        if self.mode == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        failure = FAILURES[self.mode]
        return httpx.Response(failure.status_code, headers=failure.headers,
                              content=failure.content)

    def methods(self) -> list[str]:
        return [r.url.params.get("method") or parse_qs(r.content.decode())["method"][0]
                for r in self.requests]


@dataclass
class Env:
    """A widget server over the local GupShup through a `Switchable`, on one manual clock,
    with its lifespan running (so its scheduler refreshes, as in production)."""

    clock: ManualClock
    gupshup: LocalGupShup
    upstream: Switchable
    app: Starlette
    client: httpx.AsyncClient

    @property
    def services(self) -> Services:
        found: Services = self.app.state.services
        return found

    @property
    def data(self) -> GroupData:
        return self.services.data

    async def settle(self) -> None:
        """A second passes and the scheduler takes its turn, as its loop does: then its
        fetches are waited for."""
        self.clock.advance(TICK)
        await self.services.scheduler.step()
        if self.services.scheduler.watcher is not None:
            await self.services.scheduler.watcher.drain()
        await self.data.cache.drain()

    def die(self) -> None:
        """The process stops without a word: its background tasks end, its leases stay."""
        for task in self.services._tasks:
            task.cancel()

    def metrics_sample(self, name: str, **labels: str) -> float:
        value = self.services.metrics.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value

    async def settle_for(self, seconds: int) -> None:
        for _ in range(seconds):
            await self.settle()

    async def post(self, group: str, text: str) -> str:
        return await post_as_owner(self.services.settings, self.gupshup, group, text)

    async def refresh_into(self, mode: str, path: str) -> None:
        """Let `path`'s data go stale and have its refresh meet the upstream in `mode`."""
        self.upstream.mode = mode
        self.clock.advance(61)
        await self.client.get(path)
        await self.settle()


async def post_as_owner(settings: Settings, gupshup: LocalGupShup, group: str, text: str,
                        phone: str = DEMO_PHONE, password: str = DEMO_PASSWORD) -> str:
    """Post as the group's owner through the local GupShup's API, as a client of its own
    (not the widget server, whose calls a test counts); the message's id."""
    app = create_gupshup_app(settings, service=gupshup)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=app, client=("203.0.113.7", 0)), base_url="http://gupshup") as client:
        challenge = await call(client, "users.getChallenge")
        token = await call(client, "users.login", phone=phone, countryCode="91",
                           challenge=challenge["challenge"], rand=login_rand(
                               password, challenge["salt"], challenge["challenge"]))
        posted = await call(client, "groups.postMessage", token=token["token"],
                            groupName=group, text=text)
    assert posted["status"] == "success", posted
    return str(posted["message"]["id"])


def local_upstream(settings: Settings, clock: ManualClock) -> tuple[LocalGupShup, Switchable]:
    """The local GupShup, called in-process through a `Switchable`."""
    gupshup = LocalGupShup(settings, clock)
    return gupshup, Switchable(httpx.ASGITransport(
        app=create_gupshup_app(settings, service=gupshup), client=(gupshup.inprocess_client, 0)))


@contextlib.asynccontextmanager
async def widget_env(tmp: Path, share_upstream_of: Env | None = None,
                     **overrides: object) -> AsyncIterator[Env]:
    """A widget server on its own local GupShup, or (`share_upstream_of`) a second process
    on the same store, upstream and clock as another."""
    # The harness calls its widget server by a name of its own, as an operator names one.
    # One test client plays every visitor: no client's share, unless the test sets one.
    overrides = {"allowed_hosts": ("widgets", "w"), "client_share": 1.0, **overrides}
    settings = Settings(data_dir=tmp / "data", **overrides)  # type: ignore[arg-type]
    if share_upstream_of is None:
        clock = ManualClock()
        gupshup, upstream = local_upstream(settings, clock)
    else:
        clock, gupshup = share_upstream_of.clock, share_upstream_of.gupshup
        upstream = share_upstream_of.upstream
    app = create_app(settings, clock=clock, transport=upstream)
    async with serving(app, "http://widgets") as client:  # by the name it was given
        yield Env(clock, gupshup, upstream, app, client)
    if share_upstream_of is None:
        gupshup.close()


@contextlib.asynccontextmanager
async def serving(app: Starlette,
                  base: str = "http://localhost") -> AsyncIterator[httpx.AsyncClient]:
    """`app` with its lifespan running (its scheduler, its store's close), and a client
    that calls it in-process."""
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base) as client:
        yield client




async def forget_keys(prefix: str) -> None:
    """Delete what a test wrote in Redis under its own prefix."""
    direct = aioredis.Redis.from_url(redis_url())
    keys = [key async for key in direct.scan_iter(match=prefix + "*")]
    if keys:
        await direct.delete(*keys)
    await direct.aclose()


@contextlib.asynccontextmanager
async def slow_server(mode: str) -> AsyncIterator[str]:
    """A loopback HTTP server that either trickles its body forever or never answers."""
    stop = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            if mode == "trickle":
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: 100000\r\n\r\n{")
                while not stop.is_set():
                    writer.write(b" ")
                    await writer.drain()
                    await asyncio.sleep(0.05)
            await stop.wait()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        server.close()
        for writer in writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await server.wait_closed()


class Counting:
    """An ASGI app in front of another that notes when each API call arrived."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.arrivals: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/GupshupAPI/rest":
            self.arrivals.append(time.time())
        await self.app(scope, receive, send)


@contextlib.contextmanager
def counting_gupshup(data_dir: Path) -> Iterator[tuple[str, Counting, LocalGupShup]]:
    """The local GupShup on a loopback port (its own throttle out of the way), counting
    the calls that reach it; yields its endpoint as the docs write it."""
    settings = Settings(data_dir=data_dir, throttle_warn=(10**6,) * 3,
                        throttle_limit=(10**6 + 1,) * 3)
    gupshup = LocalGupShup(settings)
    counting = Counting(create_gupshup_app(settings, service=gupshup))
    with live_server(counting) as base:
        yield base + "/GupshupAPI/rest", counting, gupshup
    gupshup.close()


NO_FLOORS = ("floor_subscribe", "floor_console", "floor_view")


class Floors(TypedDict):
    floor_confirm: tuple[int, int, int]
    floor_subscribe: tuple[int, int, int]
    floor_console: tuple[int, int, int]
    floor_view: tuple[int, int, int]


def kept(triple: tuple[int, int, int]) -> Floors:
    """Settings that keep `triple` from refreshes, all of it for confirmations (the
    floors of the other uses nil): for tests about refreshes, not priorities."""
    return Floors(floor_confirm=triple, floor_subscribe=(0, 0, 0), floor_console=(0, 0, 0),
                  floor_view=(0, 0, 0))


def kept_env(text: str) -> dict[str, str]:
    """`kept` as `WIDGET_*` variables (`text`: "m,h,d")."""
    return {"WIDGET_FLOOR_CONFIRM": text, **{f"WIDGET_{name.upper()}": "0,0,0"
                                             for name in NO_FLOORS}}
