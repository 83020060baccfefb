"""Background workers that never die silently: each runs its step in a loop; a failure
(a full disk, a database locked too long) is logged, counted, shown in `/healthz` and
`/metrics`, and retried with backoff, and the worker goes on once it passes. A stop lets
the step under way finish, within a bound, before cancelling it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("widget_server.workers")
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
Step = Callable[[], Awaitable[None]]


@dataclass
class WorkerState:
    healthy: bool = True
    failures: int = 0  # since start
    last_error: str = ""

    def as_json(self) -> dict[str, object]:
        return {"healthy": self.healthy, "failures": self.failures,
                "lastError": self.last_error or None}


class Workers:
    def __init__(self) -> None:
        self.states: dict[str, WorkerState] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wakes: list[asyncio.Event] = []
        self._stopping = asyncio.Event()

    def start(self, name: str, step: Step, wake: asyncio.Event | None = None) -> None:
        """Run `step` over and over; `wake` is what the step waits on when idle (set at a
        stop, so an idle worker stops at once)."""
        self.states[name] = WorkerState()
        self._wakes += [wake] if wake else []
        self._tasks.append(asyncio.create_task(self._run(name, step), name=name))

    async def _run(self, name: str, step: Step) -> None:
        state, backoff = self.states[name], FIRST_BACKOFF
        while not self._stopping.is_set():
            try:
                await step()
            except Exception as error:
                state.healthy, state.failures = False, state.failures + 1
                state.last_error = f"{type(error).__name__}: {error}"[:200]
                log.error("%s failed (%d so far), trying again in %.1f s: %s", name,
                          state.failures, backoff, state.last_error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            if not state.healthy:
                log.warning("%s works again", name)
            state.healthy, backoff = True, FIRST_BACKOFF

    async def stop(self, grace: float) -> None:
        """No new step starts; the ones under way get `grace` seconds, then are cancelled."""
        self._stopping.set()
        for wake in self._wakes:
            wake.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def healthy(self) -> bool:
        return all(state.healthy for state in self.states.values())

    def report(self) -> dict[str, object]:
        return {name: state.as_json() for name, state in self.states.items()}


async def livez(request: Request) -> Response:
    """The process answers: all a liveness probe asks."""
    return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})


def health_answer(workers: Workers | None) -> Response:
    """200 "ok", or 503 "degraded" naming the background worker that keeps failing."""
    if workers is None:
        return JSONResponse({"status": "ok"})
    healthy = workers.healthy()
    return JSONResponse({"status": "ok" if healthy else "degraded",
                         "workers": workers.report()}, 200 if healthy else 503)
