"""What operators and load balancers read: `/livez` (the process answers), `/readyz` (it
can serve and count: its state store answers a write within a second), `/healthz` (an
alias of `/readyz`), and `/metrics`."""

from __future__ import annotations

import contextlib
import hmac
import json
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from widget_server.net import is_loopback, visitor
from widget_server.protocol import WINDOWS
from widget_server.services import services
from widget_server.state.base import StateStore, StoreDown
from widget_server.workers import health_answer

READY_TIMEOUT = 1.0


async def readyz_view(request: Request) -> Response:
    """503 with a reason when nothing new can be fetched or counted (the state store does
    not answer, or cannot be written: a full disk, Redis read-only); the upstream's state in
    the body, 200 all the same while it fails (stale data is still served)."""
    parts = services(request)
    workers = health_answer(parts.local.workers if parts.local else None)
    body: dict[str, Any] = json.loads(bytes(workers.body))
    reason = await _store_problem(parts.state, parts.clock())
    body["store"] = "ok" if reason is None else reason
    body["upstream"] = {"failing": parts.cache.fetcher.outage.down,
                        **parts.budget.pressure()}
    if reason is not None:
        body["status"] = "not ready"
    status = 503 if reason is not None else workers.status_code
    return JSONResponse(body, status, headers={"Cache-Control": "no-store"})


async def _store_problem(state: StateStore, now: float) -> str | None:
    try:
        with anyio.fail_after(READY_TIMEOUT):
            await state.put("readyz", str(now), 60.0)
    except TimeoutError:
        return f"the state store did not answer within {READY_TIMEOUT:.0f} s"
    except StoreDown as error:
        return f"the state store cannot be written: {str(error)[:120]}"
    return None


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
                                 "WIDGET_METRICS_TOKEN is set.", 403,
                                 headers={"Cache-Control": "no-store"})
    metrics = parts.metrics
    with contextlib.suppress(Exception):  # the budget's store may be down
        for window, left in (await parts.budget.remaining()).items():
            metrics.budget_left.labels(window=window).set(left)
    for (window, _), ceiling, kept in zip(WINDOWS, parts.budget.ceilings,
                                          parts.budget.reserve, strict=True):
        metrics.budget_limit.labels(window=window, part="ceiling").set(ceiling)
        metrics.budget_limit.labels(window=window, part="reserve").set(kept)
    for name, state in (parts.local.workers.states if parts.local else {}).items():
        metrics.worker_up.labels(worker=name).set(int(state.healthy))
        metrics.worker_failed(name, state.failures)
    metrics.cache_keys.set(len(parts.cache))
    pressure = parts.budget.pressure()
    for said, on in (("failing", parts.cache.fetcher.outage.down),
                     ("paused", pressure["paused_for"] > 0),
                     ("stopped", pressure["stopped_for"] > 0)):
        metrics.upstream_state.labels(state=said).set(int(on))
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")
