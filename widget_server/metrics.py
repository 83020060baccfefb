"""Prometheus metrics, in a registry of the app's own (two apps in one process don't clash)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.cache = Counter("widget_cache_requests", "Cache lookups by result",
                             ["result"], registry=self.registry)
        self.upstream = Counter("widget_upstream_calls", "Upstream calls by method and outcome",
                                ["method", "outcome"], registry=self.registry)
        self.throttle_tags = Counter("widget_upstream_throttle_tags",
                                     "Upstream answers that carried a throttle tag",
                                     registry=self.registry)
        self.budget_left = Gauge("widget_budget_remaining", "Upstream calls left per window",
                                 ["window"], registry=self.registry)
        self.hot_hits = Counter("widget_hot_hits", "Answers replayed by the hot cache",
                                registry=self.registry)
        self.cache_keys = Gauge("widget_cache_keys", "Keys held in the cache",
                                registry=self.registry)
        self.refreshes = Counter("widget_refreshes", "Refreshes of cached data, by whether "
                                 "the data had changed (no: a wasted call)", ["changed"],
                                 registry=self.registry)
        self.worker_up = Gauge("widget_worker_up", "1 while a background worker works",
                               ["worker"], registry=self.registry)
        self.worker_failures = Gauge("widget_worker_failures", "Failures of a background "
                                     "worker since start", ["worker"], registry=self.registry)

        self.store_failures = Counter("widget_store_failures", "Requests the state store "
                                      "(Redis, or the disk) failed under",
                                      registry=self.registry)
        self.feed_mode = Gauge("widget_feed_mode", "1 for the way news is found now: `feed` "
                               "(the public stream), `keys` (per-key polling by the "
                               "square-root rule) or `idle`", ["mode"], registry=self.registry)
        self.feed_polls = Counter("widget_feed_polls", "Polls of the public stream, by "
                                  "outcome (`gap`: posts missed, keys refreshed instead)",
                                  ["outcome"], registry=self.registry)
        self.feed_posts = Counter("widget_feed_posts", "New public posts the feed applied",
                                  registry=self.registry)
        self.feed_post_rate = Gauge("widget_feed_post_rate", "Public posts a second, measured",
                                    registry=self.registry)
        self.feed_watcher = Gauge("widget_feed_watcher", "1 in the process that holds the "
                                  "feed's lease (one per state store)", registry=self.registry)
        self.live_streams = Gauge("widget_live_streams", "Open live (SSE) widget connections",
                                  registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
