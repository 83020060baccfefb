"""On whose behalf an upstream call is made: its use and its client, carried by the task
that makes it (a context variable), so that a call made deep in the cache for a visitor's
first view is admitted as one, and charged to that visitor's share, whichever layer makes
it. A task started inside `calling` keeps its caller (asyncio copies the context)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from widget_server.upstream.priority import Use


class Caller(NamedTuple):
    use: Use
    who: str | None  # the client (`net.visitor`); None: the server's own work


BACKGROUND = Caller("refresh", None)
_CALLER: ContextVar[Caller] = ContextVar("upstream_caller", default=BACKGROUND)


@contextmanager
def calling(use: Use, who: str | None) -> Iterator[None]:
    token = _CALLER.set(Caller(use, who))
    try:
        yield
    finally:
        _CALLER.reset(token)


def caller() -> Caller:
    return _CALLER.get()
