"""Every request counted by the view that answered it (its endpoint's name: a bounded set,
unlike paths) and its status, and timed until its answer has begun (a live stream's
hours are not a request's time)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from widget_server.metrics import Metrics


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("endpoint"), "__name__", "none")
                self.metrics.requests.labels(route=route, status=message["status"]).inc()
                self.metrics.request_seconds.labels(route=route).observe(
                    time.perf_counter() - started)
            await send(message)
        await self.app(scope, receive, sending)
