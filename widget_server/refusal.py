"""What a client is told when an upstream error keeps it from what it asked: one table from
error to answer (status, machine code, message key, retry seconds, caching), and one
rounding of "try again in N seconds". The JSON API, the widgets, oEmbed, the feed, the
subscription form and the console all answer from here."""

from __future__ import annotations

import math
from dataclasses import dataclass

from widget_server.upstream.errors import (
    BudgetExhausted,
    GroupNotFound,
    PrivateGroup,
    SiteTrouble,
    Throttled,
    TooManyMisses,
    Unavailable,
    UpstreamError,
)

BRIEF = "public, max-age=30"  # an unknown or private group: asked again soon enough
UNAVAILABLE_RETRY = 10
THROTTLED_RETRY = 60


def seconds(wait: float) -> int:
    """Whole seconds, rounded up: never "try again in 0 seconds", and the words and the
    `Retry-After` header always say the same number."""
    return max(1, math.ceil(wait - 1e-9))


def minutes(wait: float) -> int:
    """Whole minutes, rounded up, for waits said in minutes."""
    return max(1, math.ceil(seconds(wait) / 60))


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str  # for programs (the JSON API's `error.code`)
    key: str  # the words, in the widgets' catalogue (`i18n`)
    retry: int | None = None  # seconds, said in words and in `Retry-After`
    cache: str = "no-store"

    def headers(self) -> dict[str, str]:
        retry = {} if self.retry is None else {"Retry-After": str(self.retry)}
        return {"Cache-Control": self.cache, **retry}

    def words(self) -> dict[str, int]:
        """What the message's `{s}` and `{m}` say."""
        wait = self.retry or 0
        return {"s": wait, "m": minutes(wait)}


def refusal(error: UpstreamError) -> Refusal:
    """The answer to `error`; the most specific class decides."""
    if isinstance(error, GroupNotFound):
        return Refusal(404, "group_not_found", "not_found", cache=BRIEF)
    if isinstance(error, PrivateGroup):
        return Refusal(403, "private_group", "not_found", cache=BRIEF)
    if isinstance(error, TooManyMisses):
        return Refusal(429, "too_many_requests", "too_many_requests",
                       seconds(error.retry_after))
    if isinstance(error, BudgetExhausted):
        return Refusal(503, "try_again_later", "try_again_later", seconds(error.retry_after))
    if isinstance(error, Throttled):
        return Refusal(503, "try_again_later", "try_again_later", THROTTLED_RETRY)
    if isinstance(error, SiteTrouble):
        return Refusal(503, "site_trouble", "site_trouble", UNAVAILABLE_RETRY)
    if isinstance(error, Unavailable):
        return Refusal(503, "upstream_unavailable", "unavailable", UNAVAILABLE_RETRY)
    return Refusal(502, "upstream_error", "upstream_error")  # any other refusal (ApiRefused)
