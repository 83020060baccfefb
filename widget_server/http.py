"""Response helpers shared by the JSON API and the widgets: ETags, 304s, cache headers,
and the status code of each upstream error."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from widget_server.entries import Served
from widget_server.upstream.errors import (
    BudgetExhausted,
    GroupNotFound,
    PrivateGroup,
    Throttled,
    TooManyMisses,
    Unavailable,
    UpstreamError,
)

STALE_IF_ERROR = 86400
JSON = "application/json"


def cache_control(served: Served[Any]) -> str:
    """Fresh for what is left of the entry's freshness; a CDN may serve it stale while it
    revalidates, or for a day when we fail."""
    max_age = 0 if served.stale else int(served.fresh_for)
    return (f"public, max-age={max_age}, s-maxage={max_age}, "
            f"stale-while-revalidate={int(served.interval)}, stale-if-error={STALE_IF_ERROR}")


def if_none_match(request: Request, etag: str) -> bool:
    return etag_matches(request.headers.get("if-none-match", ""), etag)


def etag_matches(wanted: str, etag: str) -> bool:
    """Whether an `If-None-Match` value names our current copy (weak comparison, as RFC
    9110 asks for it)."""
    if not wanted:
        return False
    return wanted.strip() == "*" or etag in [t.strip().removeprefix("W/")
                                            for t in wanted.split(",")]


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def error_status(error: UpstreamError) -> tuple[int, dict[str, str]]:
    """The HTTP status and headers that tell a client what an upstream error means."""
    if isinstance(error, GroupNotFound):
        return 404, {"Cache-Control": "public, max-age=30"}
    if isinstance(error, PrivateGroup):
        return 403, {"Cache-Control": "public, max-age=30"}
    if isinstance(error, TooManyMisses):
        return 429, {"Retry-After": str(int(error.retry_after + 0.999)),
                     "Cache-Control": "no-store"}
    if isinstance(error, BudgetExhausted):
        return 503, {"Retry-After": str(int(error.retry_after + 0.999)),
                     "Cache-Control": "no-store"}
    if isinstance(error, Unavailable):
        return 503, {"Retry-After": "10", "Cache-Control": "no-store"}
    if isinstance(error, Throttled):
        return 503, {"Retry-After": "60", "Cache-Control": "no-store"}
    return 502, {"Cache-Control": "no-store"}


def error_code(error: UpstreamError) -> str:
    return {GroupNotFound: "group_not_found", PrivateGroup: "private_group",
            BudgetExhausted: "try_again_later", Throttled: "try_again_later",
            TooManyMisses: "too_many_requests",
            Unavailable: "upstream_unavailable",
            }.get(type(error), "upstream_error")


def plain_int(raw: str, high: int) -> int | None:
    """A count written in ASCII digits, at most `high`; None for anything else (`²` and
    `①` are digits to `str.isdigit` but not to `int`)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= high else None
