"""What operators read: `/healthz` and `/metrics`."""

from __future__ import annotations

import contextlib
import hmac

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from widget_server.net import is_loopback, visitor
from widget_server.services import services
from widget_server.workers import health_answer


async def healthz_view(request: Request) -> Response:
    local = services(request).local
    return health_answer(local.workers if local else None)


async def metrics_view(request: Request) -> Response:
    parts = services(request)
    token = parts.settings.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if token and not hmac.compare_digest(given.encode(), token.encode()):
        return PlainTextResponse("Metrics need their token.", 401, headers={
            "WWW-Authenticate": "Bearer", "Cache-Control": "no-store"})
    if not token and not is_loopback(visitor(request)):
        # The budget's remaining calls are a timer for anyone attacking it.
        return PlainTextResponse("Metrics are served to this machine only, unless "
                        "WIDGET_METRICS_TOKEN is set.", 403, headers={"Cache-Control": "no-store"})
    metrics = parts.metrics
    with contextlib.suppress(Exception):  # the budget's store may be down
        for window, left in (await parts.budget.remaining()).items():
            metrics.budget_left.labels(window=window).set(left)
    for name, state in (parts.local.workers.states if parts.local else {}).items():
        metrics.worker_up.labels(worker=name).set(int(state.healthy))
        metrics.worker_failures.labels(worker=name).set(state.failures)
    metrics.cache_keys.set(len(parts.cache))
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
