"""Bounds on what a request may send in its body, for every route of an app: at most
`max_bytes` (a declared length over it is refused before a byte is read; a chunked body is
counted as it arrives) and all of it within `seconds` of the first read (a body that
trickles, or stops half-way, no longer holds its connection). 413 and 408, with
`Connection: close`: what was not read is never read."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from widget_server.http import JSON, json_bytes

MAX_BYTES = 64 * 1024  # the largest body any route takes (the raw API's form, a webhook)
SECONDS = 10.0
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyRefused(Exception):
    status = 400


class BodyTooLarge(BodyRefused):
    status = 413


class BodyTooSlow(BodyRefused):
    status = 408


class RequestLimits:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BYTES,
                 seconds: float = SECONDS) -> None:
        self.app, self.max_bytes, self.seconds = app, max_bytes, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        api = scope["path"].startswith("/api/")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await _refuse(send, BodyTooLarge.status, api)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self.app(scope, self._bounded(receive), sending)
        except BodyRefused as error:
            if not started:
                await _refuse(send, error.status, api)

    def _bounded(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        seen, done = 0, False

        async def bounded() -> Message:
            nonlocal deadline, seen, done
            if done:  # the body is in: what follows (a disconnect) may take its time
                return await receive()
            deadline = deadline or loop.time() + self.seconds
            try:  # anyio's timeout: it keeps to the cancel scopes Starlette and httpx use
                with anyio.fail_after(max(0.0, deadline - loop.time())):
                    message: Any = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge
            done = message["type"] != "http.request" or not message.get("more_body", False)
            return dict(message)
        return bounded


WORDS = {413: ("too_large", "The request's body is too large."),
         408: ("too_slow", "The request's body took too long to arrive.")}


async def _refuse(send: Send, status: int, api: bool) -> None:
    """Plain words; under /api a JSON error like every other API error."""
    code, words = WORDS[status]
    body, kind = (json_bytes({"error": {"code": code, "message": words}}), JSON) if api \
        else ((words + "\n").encode(), "text/plain; charset=utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", kind.encode()), (b"connection", b"close"),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
