"""The local GupShup as an ASGI app: `/GupshupAPI/rest` (GET and POST) and `/healthz`."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from widget_server.clock import Clock, system_clock
from widget_server.datadir import private_dir
from widget_server.gupshup import accounts, posts, streams, subscribe
from widget_server.gupshup.demo import disable_demo_accounts, ensure_salt, seed
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.limits import SmsLimit
from widget_server.gupshup.params import Params
from widget_server.gupshup.records import Call, Handler, Service
from widget_server.gupshup.store import Database
from widget_server.gupshup.throttle import Throttle, ThrottleRefusal, ThrottleTag
from widget_server.gupshup.wire import render
from widget_server.net import client_ip, cross_site
from widget_server.protocol import REST_PATH
from widget_server.request_limits import RequestLimits
from widget_server.settings import Settings
from widget_server.sms.dispatcher import Dispatcher
from widget_server.sms.outbox import Outbox
from widget_server.sms.reports import WEBHOOK_PATH, DeliveryReports
from widget_server.sms.setup import build_sender
from widget_server.workers import Workers, health_answer, livez

log = logging.getLogger("widget_server.gupshup")

MAX_BODY = 64 * 1024
_HANDLERS: dict[str, Handler] = {
    **streams.METHODS, **accounts.METHODS, **posts.METHODS, **subscribe.METHODS}
METHODS: dict[str, tuple[str, Handler]] = {k.lower(): (k, h) for k, h in _HANDLERS.items()}
ALIASES = {"groups.subscribetoken": "groups.subscribegrouptoken"}
XML_DEFAULT = frozenset({"gupshup.getpublicstream", "groups.getmessage", "groups.getstream",
                         "groups.getinfo", "groups.subscribegrouptoken"})


class LocalGupShup:
    """The service: storage, outbox, throttle, and the dispatch of one call."""

    def __init__(self, settings: Settings, clock: Clock = system_clock, *,
                 sms_transport: httpx.AsyncBaseTransport | None = None,
                 db_timeout: float = 15.0) -> None:
        self.settings = settings
        self.db = Database(private_dir(settings.data_dir) / "gupshup.sqlite3",
                           timeout=db_timeout)
        self.sender = build_sender(settings, clock, sms_transport)
        self.outbox = Outbox(self.db, clock, "queued" if self.sender else "stored")
        self.reports = DeliveryReports(self.db, clock, settings.sms_webhook_secret)
        self._dispatcher = None if self.sender is None else Dispatcher(
            self.outbox, self.sender, clock, retry_base=settings.sms_retry_base,
            max_attempts=settings.sms_max_attempts, submitted=self.reports.wake)
        self.workers = Workers()
        self.sms_limit = SmsLimit(self.db, clock)
        self.service = Service(self.db, self.outbox, clock, self.sms_limit)
        self.throttle = Throttle(self.db, settings.throttle_warn, settings.throttle_limit,
                                 clock)
        self._trusted = frozenset(settings.trusted_proxies)
        # The embedding widget server's identity (it limits its visitors itself): a secret
        # of this process, so that no header forwarded by a proxy can name it.
        self.inprocess_client = f"in-process-{secrets.token_hex(16)}"
        self._unlimited = frozenset((self.inprocess_client, *settings.gupshup_clients))
        ensure_salt(self.db)
        self._prepare_accounts(clock())

    def _prepare_accounts(self, now: float) -> None:
        """The demo accounts (with the README's passwords) only where no SMS leaves the
        machine: beside a real gateway they are never made, and switched off if made
        before."""
        if self.sender is None:
            if seed(self.db, now):
                log.info("demo data created in %s", self.db.path)
            return
        if disable_demo_accounts(self.db):
            log.warning("demo accounts switched off: SMS now go out through %s",
                        self.settings.sms_gateway)
        if not self.db.connection().execute("SELECT 1 FROM users LIMIT 1").fetchone():
            log.warning("no accounts yet: create one with `widget-server gupshup add-user "
                        "--phone N --name NAME`, and a group with `widget-server gupshup "
                        "add-group`")

    def execute(self, params: Params, client: str) -> tuple[bytes, str]:
        """Run one call; every failure becomes an in-band error, never an exception."""
        raw_method = params.peek("method")
        key = ALIASES.get(raw_method.lower(), raw_method.lower())
        fmt, asked = self._format(params, key)
        tag: ThrottleTag | None = None
        try:
            tag = self.throttle.hit(client)
            body = self._call(params, key, raw_method, asked, client)
        except ThrottleRefusal as refusal:
            body = _error_body(_throttle_error(refusal, key), key)
        except ApiError as error:
            body = _error_body(error, key)
        except Exception:
            log.exception("internal error in %s", key)
            body = _error_body(ApiError(129), key)
        if tag is not None:  # "appended with the response": errors carry it too
            body["throttle"] = tag.as_dict()
        return render(body, fmt)

    def _format(self, params: Params, key: str) -> tuple[str, str]:
        default = "xml" if key in XML_DEFAULT or key not in METHODS else "json"
        asked = params.peek("format")
        return (asked.lower() if asked.lower() in ("xml", "json") else default), asked

    def _call(self, params: Params, key: str, raw_method: str, asked_format: str,
              client: str) -> dict[str, object]:
        if params.oversized:
            raise ApiError(111, "request", f"{MAX_BODY // 1024} KiB of form fields")
        if asked_format and asked_format.lower() not in ("xml", "json"):
            raise ApiError(102, asked_format)
        if not raw_method:
            raise ApiError(109, "method")
        if key not in METHODS:
            raise ApiError(108, raw_method)
        version = params.get("v")
        if version is None:
            raise ApiError(109, "v")
        if version.strip() not in ("", "1.0"):
            raise ApiError(107, version.strip()[:32])
        name, handler = METHODS[key]
        payload = handler(Call(self.service, params, key, name, client,
                               client in self._unlimited))
        return {"status": "success", "method": name, **payload}

    async def rest(self, request: Request) -> Response:
        if cross_site(request):  # an API for servers: no page elsewhere may drive it
            return PlainTextResponse("Cross-site requests are refused.", 403)
        items = list(request.query_params.multi_items())
        oversized = False
        if request.method == "POST":
            try:
                items += await _form_items(request)
            except (ValueError, RuntimeError, HTTPException):
                oversized = True
        body, media_type = await run_in_threadpool(
            self.execute, Params(items, oversized=oversized), client_ip(request, self._trusted))
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

    @property
    def routes(self) -> list[BaseRoute]:
        return [self.api_route, self.webhook_route]

    @property
    def api_route(self) -> BaseRoute:
        return Route(REST_PATH, self.rest, methods=["GET", "POST"])

    @property
    def webhook_route(self) -> BaseRoute:
        return Route(WEBHOOK_PATH, self.reports.webhook, methods=["POST"])

    async def start(self) -> None:
        """The background work: delivery reports, and the dispatcher when SMS are sent."""
        self.workers.start("sms-reports", self.reports.step, self.reports.wakeup)
        if self._dispatcher:
            self.workers.start("sms-sender", self._dispatcher.step, self._dispatcher.wakeup)

    async def stop(self) -> None:
        """An SMS being sent is given the time its send may take, so that it ends with its
        outcome rather than `unknown`."""
        await self.workers.stop(grace=self.settings.sms_timeout + 1.0)
        if self.sender:
            await self.sender.aclose()

    async def healthz(self, request: Request) -> Response:
        return health_answer(self.workers)

    def close(self) -> None:
        self.db.close()


def _error_body(error: ApiError, key: str) -> dict[str, object]:
    return {"status": "error", "error": {"code": error.code, "msg": error.message(key)},
            **error.extra}


def _throttle_error(refusal: ThrottleRefusal, key: str) -> ApiError:
    """113, except for groups.postMessage, whose documented throttle code is 127 with the
    throttle object as its "accompanying messages"."""
    if key == "groups.postmessage":
        return ApiError(127, extra={"throttle": refusal.tag.as_dict()})
    return refusal


async def _form_items(request: Request) -> list[tuple[str, str]]:
    """The form fields of a POST, refusing (ValueError) a body larger than MAX_BODY."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise ValueError("body too large")
    if request.headers.get("content-type", "").startswith("multipart/"):
        async with request.form(max_files=0, max_fields=100, max_part_size=MAX_BODY) as form:
            return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    body = bytearray()
    async for chunk in request.stream():  # counted as it arrives: chunked bodies too
        body += chunk
        if len(body) > MAX_BODY:
            raise ValueError("body too large")
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                     max_num_fields=100)


def create_gupshup_app(settings: Settings, *, clock: Clock = system_clock,
                       service: LocalGupShup | None = None) -> Starlette:
    """The local GupShup on its own (`widget-server gupshup`)."""
    gupshup = service or LocalGupShup(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await gupshup.start()
        yield
        await gupshup.stop()
        gupshup.close()

    app = Starlette(routes=[*gupshup.routes, Route("/livez", livez),
                            Route("/readyz", gupshup.healthz), Route("/healthz", gupshup.healthz)],
                    lifespan=lifespan, middleware=[Middleware(
                        RequestLimits, max_bytes=MAX_BODY, seconds=settings.body_timeout)])
    app.state.gupshup = gupshup
    return app
