"""Response helpers shared by the JSON API and the widgets: ETags, 304s, cache headers
(what an upstream error answers is in `refusal`)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from widget_server.entries import Served

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


def plain_int(raw: str, high: int) -> int | None:
    """A count written in ASCII digits, at most `high`; None for anything else (`²` and
    `①` are digits to `str.isdigit` but not to `int`)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= high else None
