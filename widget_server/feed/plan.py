"""How the refresh budget is split between the feed and per-key refreshes.

A poll every T seconds finds a post T/2 seconds after it was made, on average, whatever
the number of groups; it costs one page, plus one for every 14 posts made in T (each page
must also overlap one message already seen). With a refresh rate R, the feed takes at most
`FEED_SHARE` of R: the fastest T that fits is its pace, and the rest of R refreshes group
info (member counts), the keys the feed cannot cover and the misses.

Per-key polling by the square-root rule (`freshness`) would find posts, on average,
(Σ √p_i)² / 2R seconds late for view shares p_i. Whichever is the smaller lag is used:
the feed for many groups, per-key polling for a handful. When posts come faster than the
feed's share can page (no T fits), the feed cannot be complete, and per-key polling takes
the whole rate: `/metrics` says which mode is on (`widget_feed_mode`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from widget_server.feed.pages import PAGE

FEED_SHARE = 0.7
MIN_POLL = 5.0  # seconds: faster polls would spend the budget on pages that bring nothing
MAX_POLL = 60.0
PROBE = 300.0  # seconds between polls that only measure the post rate
STEP = 0.5

Mode = Literal["idle", "feed", "keys"]


@dataclass(frozen=True)
class FeedPlan:
    """`feed`: poll every `interval` s, at most `pages` pages, spending `rate` calls a
    second. `keys`: per-key polling is better (or the feed cannot keep up): probe every
    `interval` s. `idle`: no widget of a public stream is in use."""

    mode: Mode
    interval: float
    rate: float
    pages: int


IDLE = FeedPlan("idle", PROBE, 0.0, 1)


def pages_for(post_rate: float, interval: float) -> int:
    """Pages a poll reads when `post_rate` posts a second were made in `interval` s."""
    return math.floor(post_rate * interval / (PAGE - 1)) + 1


def fastest_poll(refresh_rate: float, post_rate: float) -> float | None:
    """The shortest interval whose pages fit the feed's share; None if none does."""
    share = FEED_SHARE * refresh_rate
    t = MIN_POLL
    while t <= MAX_POLL:
        if pages_for(post_rate, t) / t <= share:
            return t
        t += STEP
    return None


def keys_lag(refresh_rate: float, spread: float) -> float:
    """The mean lag per-key polling by the square-root rule would give, for the view
    shares' spread Σ √p (`freshness.Planner.spread`)."""
    return spread * spread / (2 * refresh_rate) if refresh_rate > 0 else math.inf


def plan(refresh_rate: float, post_rate: float, spread: float) -> FeedPlan:
    if spread <= 0 or refresh_rate <= 0:
        return IDLE
    interval = fastest_poll(refresh_rate, post_rate)
    if interval is None or keys_lag(refresh_rate, spread) < interval / 2:
        return FeedPlan("keys", PROBE, 1 / PROBE, 1)  # a probe only measures the rate
    pages = pages_for(post_rate, interval)
    return FeedPlan("feed", interval, pages / interval, pages + 1)
