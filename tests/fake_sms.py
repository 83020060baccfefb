"""A fake Gupshup SMS gateway for the tests, served on loopback: both APIs
(docs/protocol/sms-api.txt and
003), scripted answers (ok, an 80xx error, 429, 500, a hang), and delivery reports
posted back to a webhook afterwards, out of order and with a duplicate, as the real one
may."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeGateway:
    webhook: str = ""  # where delivery reports go; empty: none are sent
    script: list[str] = field(default_factory=list)  # answers to give, then "ok"
    received: list[Received] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # message ids handed out
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        self.received.append(Received(request.url.path, dict(request.headers), form))
        answer = self.script.pop(0) if self.script else "ok"
        if answer == "hang":
            await asyncio.sleep(3600)
        if answer == "slow":  # then accepted
            await asyncio.sleep(0.5)
        if answer == "500":
            return JSONResponse({"status": "error", "message": "Internal server error. "
                                 "Please try again later."}, 500)
        if answer == "429":
            return JSONResponse({"status": "error", "message": "Too Many Requests"}, 429,
                                headers={"Retry-After": "0"})
        if answer.startswith("80"):
            return JSONResponse({"status": "error", "code": int(answer),
                                 "message": "request failed"}, 400)
        message_id = f"msg-{next(self._ids)}"
        self.accepted.append(message_id)
        if self.webhook:
            task = asyncio.create_task(self._report(message_id, form.get("destination", "")))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return JSONResponse({"status": "submitted", "messageId": message_id})

    async def _report(self, message_id: str, destination: str) -> None:
        events = [("delivered", 1_790_000_002_000), ("enqueued", 1_790_000_000_000),
                  ("sent", 1_790_000_001_000), ("enqueued", 1_790_000_000_000)]
        async with httpx.AsyncClient() as client:
            for status, ts in events:
                body: dict[str, Any] = {"destination": destination, "messageId": message_id,
                                        "ts": str(ts), "status": status}
                response = await client.post(self.webhook, content=json.dumps(body),
                                             headers={"Content-Type": "application/json"})
                assert response.status_code == 204 and response.content == b""

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/sms/v1/message/{appid}", self.handle, methods=["POST"]),
            Route("/partner/app/{app_id}/template/msg", self.handle, methods=["POST"]),
        ])
