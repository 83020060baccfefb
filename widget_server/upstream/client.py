"""The upstream client: one budgeted, deadline-bound GET per call, either format parsed.

It never follows redirects, never retries blindly, caps the body it reads, and turns every
failure into an `UpstreamError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx

from widget_server.protocol import REST_PATH
from widget_server.upstream.answers import (
    MAX_BODY,
    SUBSCRIBE_NAMES,
    Data,
    bounded_body,
    checked,
    error_code,
    parse_body,
)
from widget_server.upstream.budget import Budget
from widget_server.upstream.caller import caller
from widget_server.upstream.errors import ApiRefused, Throttled, Unavailable
from widget_server.upstream.priority import Use

if TYPE_CHECKING:  # the metrics import nothing of ours, but keep the client light
    from widget_server.metrics import Metrics

log = logging.getLogger("widget_server.upstream")

# 127 carries a throttle object too, but of the poster's own pace: not the upstream's
# throttle on us, so it must not slow the widgets down.
POSTING_PACE = "127"


class UpstreamClient:
    """Calls the GupShup REST API at `base_url` through `transport`, within `budget`."""

    def __init__(self, base_url: str, budget: Budget, *, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 metrics: Metrics | None = None) -> None:
        self.budget = budget
        self._timeout = timeout
        self._metrics = metrics
        self._subscribe_name = SUBSCRIBE_NAMES[0]
        # The docs name the endpoint itself (`http://host/GupshupAPI/rest`): take that too.
        base = base_url.rstrip("/").removesuffix(REST_PATH)
        self._http = httpx.AsyncClient(base_url=base, transport=transport,
                                       timeout=timeout, follow_redirects=False,
                                       headers={"User-Agent": "gupshup-widget-server",
                                                "Accept-Encoding": "gzip"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_stream(self, group: str, start: int = 0, count: int = 15) -> Data:
        return await self.call("groups.getStream", group=group, range=count,
                               **_offset(start))

    async def get_info(self, group: str) -> Data:
        return await self.call("groups.getInfo", group=group)

    async def get_message(self, group: str) -> Data:
        return await self.call("groups.getMessage", group=group)

    async def get_public_stream(self, start: int = 0, count: int = 15,
                                skip_adult: bool = True) -> Data:
        return await self.call("gupshup.getPublicStream", range=count,
                               skipAdult="true" if skip_adult else "false", **_offset(start))

    async def subscribe(self, phone: str, group: str, token: str | None = None,
                        confirm: str | None = None, *, who: str | None = None) -> Data:
        extra = {"token": token, "confirm": confirm} if token is not None else {}
        use: Use = "confirm" if token is not None else "subscribe"
        # POSTed: phones and codes stay out of URLs, and so out of every access log.
        try:
            return await self.call(self._subscribe_name, use=use, who=who, post=True,
                                   phone=phone, group=group, **extra)
        except ApiRefused as error:
            if error.code != 108:
                raise
        other = next(n for n in SUBSCRIBE_NAMES if n != self._subscribe_name)
        body = await self.call(other, use=use, who=who, post=True, phone=phone,
                               group=group, **extra)  # a 108 again: neither name works, keep ours
        log.warning("the upstream knows the subscription method as %s: using that", other)
        self._subscribe_name = other
        return body

    async def call(self, method: str, *, use: Use | None = None, who: str | None = None,
                   post: bool = False, **params: Any) -> Data:
        """One upstream call: budget first, then a GET (or POST) with a total deadline.
        For `use` on behalf of `who`: by default, the task's `caller`."""
        ours = caller()
        call = await self.budget.acquire(use or ours.use, who or ours.who)
        outcome = "error"
        started = time.perf_counter()
        try:
            try:
                body = await self._fetch(method, params, post)
            except NotSent:
                outcome = "not_sent"
                await self.budget.release(call)  # the upstream never saw it
                raise
            self._heard(method, body)  # a tag rides on errors as well as on successes
            checked(method, body)
            outcome = "ok"
        except Throttled as error:
            outcome = "throttled"
            self.budget.throttled(error.window())
            raise
        except ApiRefused:
            outcome = "refused"
            raise
        finally:
            await self.budget.settle(call)
            if self._metrics is not None:
                self._metrics.upstream.labels(method=method, outcome=outcome).inc()
                self._metrics.upstream_seconds.labels(method=method).observe(
                    time.perf_counter() - started)
        return body

    def _heard(self, method: str, body: Data) -> None:
        tag = body.get("throttle")
        if not tag or str(error_code(body)) == POSTING_PACE:
            return
        log.warning("upstream throttle tag on %s: %s", method, tag)
        window = tag.get("window") if isinstance(tag, dict) else None
        self.budget.throttle_tag(window if isinstance(window, str) else "minute")
        if self._metrics is not None:
            self._metrics.throttle_tags.inc()

    async def _fetch(self, method: str, params: dict[str, Any], post: bool) -> Data:
        fields = {"method": method, "v": "1.0", "format": "json",
                  **{k: str(v) for k, v in params.items()}}
        try:
            async with asyncio.timeout(self._timeout):
                raw, content_type = await self._read(fields, post)
        except TimeoutError:
            raise Unavailable(f"{method}: no complete answer within {self._timeout} s") from None
        except httpx.ConnectError as error:  # no connection: nothing reached the upstream
            raise NotSent(f"{method}: {type(error).__name__}") from None
        except httpx.HTTPError as error:
            raise Unavailable(f"{method}: {type(error).__name__}") from None
        return parse_body(raw, content_type)

    async def _read(self, fields: dict[str, str], post: bool) -> tuple[bytes, str]:
        request = (self._http.build_request("POST", REST_PATH, data=fields) if post
                   else self._http.build_request("GET", REST_PATH, params=fields))
        async with contextlib.aclosing(await self._http.send(request, stream=True)) as response:
            if response.status_code != 200:
                raise Unavailable(f"upstream answered HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > MAX_BODY:
                raise Unavailable("upstream body too large")
            body = await bounded_body(response)
            if len(body) > MAX_BODY:
                raise Unavailable("upstream body too large")
            return body, response.headers.get("content-type", "")


class NotSent(Unavailable):
    """The upstream could not be reached at all: the call cost it nothing."""


def _offset(start: int) -> dict[str, Any]:
    return {"from": start}  # `from` is a keyword in Python
