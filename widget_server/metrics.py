"""Prometheus metrics, in a registry of the app's own (two apps in one process don't clash).

With `--workers`, every worker writes its values to files in one directory
(`PROMETHEUS_MULTIPROC_DIR`, made by the parent: prometheus-client's multiprocess mode), and
whichever worker a scrape reaches answers for all of them: counters add up and never go
back, gauges are combined as each says (`multiprocess_mode`)."""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)

from widget_server.version import VERSION

SHARED = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        if SHARED not in os.environ:  # per process; in multiprocess mode it cannot be
            ProcessCollector(registry=self.registry)
        self.requests = Counter("widget_requests", "Requests answered, by view and status",
                                ["route", "status"], registry=self.registry)
        self.request_seconds = Histogram("widget_request_seconds", "Time to answer, by view",
                                         ["route"], registry=self.registry)
        self.upstream_seconds = Histogram("widget_upstream_seconds", "Time of an upstream "
                                          "call, by method", ["method"], registry=self.registry)
        self.build = Gauge("widget_build_info", "The running version", ["version"],
                           registry=self.registry, multiprocess_mode="max")
        self.build.labels(version=VERSION).set(1)
        self.budget_limit = Gauge("widget_budget_limit", "The budget's ceilings and reserve "
                                  "per window", ["window", "part"], registry=self.registry,
                                  multiprocess_mode="max")
        self.cache = Counter("widget_cache_requests", "Cache lookups by result",
                             ["result"], registry=self.registry)
        self.upstream = Counter("widget_upstream_calls", "Upstream calls by method and outcome",
                                ["method", "outcome"], registry=self.registry)
        self.throttle_tags = Counter("widget_upstream_throttle_tags",
                                     "Upstream answers that carried a throttle tag",
                                     registry=self.registry)
        self.budget_left = Gauge("widget_budget_remaining", "Upstream calls left per window",
                                 ["window"], registry=self.registry,
                                 multiprocess_mode="mostrecent")
        self.hot_hits = Counter("widget_hot_hits", "Answers replayed by the hot cache",
                                registry=self.registry)
        self.cache_keys = Gauge("widget_cache_keys", "Keys held in the cache, every worker's",
                                registry=self.registry, multiprocess_mode="livesum")
        self.refreshes = Counter("widget_refreshes", "Refreshes of cached data, by whether "
                                 "the data had changed (no: a wasted call)", ["changed"],
                                 registry=self.registry)
        self.worker_up = Gauge("widget_worker_up", "1 while a background worker works",
                               ["worker"], registry=self.registry, multiprocess_mode="min")
        self.worker_failures = Counter("widget_worker_failures", "Failures of a background "
                                       "worker", ["worker"], registry=self.registry)
        self._failures_seen: dict[str, int] = {}

        self.store_failures = Counter("widget_store_failures", "Requests the state store "
                                      "(Redis, or the disk) failed under",
                                      registry=self.registry)
        self.upstream_state = Gauge("widget_upstream_state", "What the upstream's answers have "
                                    "brought about: `failing` (only probes go out), "
                                    "`paused` (no refreshes), `stopped` (no calls): 1 or 0",
                                    ["state"], registry=self.registry,
                                    multiprocess_mode="max")
        self.feed_mode = Gauge("widget_feed_mode", "1 for the way news is found now: `feed` "
                               "(the public stream), `keys` (per-key polling by the "
                               "square-root rule) or `idle`", ["mode"], registry=self.registry,
                               multiprocess_mode="max")
        self.feed_polls = Counter("widget_feed_polls", "Polls of the public stream, by "
                                  "outcome (`gap`: posts missed, keys refreshed instead)",
                                  ["outcome"], registry=self.registry)
        self.feed_posts = Counter("widget_feed_posts", "New public posts the feed applied",
                                  registry=self.registry)
        self.feed_post_rate = Gauge("widget_feed_post_rate", "Public posts a second, measured",
                                    registry=self.registry, multiprocess_mode="max")
        self.feed_watcher = Gauge("widget_feed_watcher", "1 in the process that holds the "
                                  "feed's lease (one per state store)", registry=self.registry,
                                  multiprocess_mode="livesum")
        self.live_streams = Gauge("widget_live_streams", "Open live (SSE) widget connections",
                                  registry=self.registry, multiprocess_mode="livesum")

    def worker_failed(self, worker: str, failures: int) -> None:
        """A background worker's failure count now: the counter takes what is new."""
        new = failures - self._failures_seen.get(worker, 0)
        if new > 0:
            self.worker_failures.labels(worker=worker).inc(new)
        self._failures_seen[worker] = failures

    def render(self) -> bytes:
        if SHARED in os.environ:  # every worker's, from the shared directory
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
