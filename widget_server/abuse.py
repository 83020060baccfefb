"""Limits on the subscription form, checked before any upstream call: per client IP, per
phone and per group (PyrateLimiter sliding windows, one bucket per key), and wrong codes
per verification."""

from __future__ import annotations

from cachetools import LRUCache, TTLCache
from pyrate_limiter import InMemoryBucket, Rate, RateItem
from pyrate_limiter.abstracts.algorithm import Decision

from widget_server.clock import Clock

SENDS_PER_IP = [Rate(5, 10 * 60_000), Rate(20, 24 * 3_600_000)]
SENDS_PER_PHONE = [Rate(5, 10 * 60_000)]
SENDS_PER_GROUP = [Rate(60, 3_600_000)]
CONFIRMS_PER_IP = [Rate(20, 10 * 60_000)]
MAX_WRONG_CODES = 5


class KeyedLimits:
    """One sliding-window bucket per key (bounded: the least recently used are dropped)."""

    def __init__(self, rates: list[Rate], clock: Clock, maxsize: int = 50_000) -> None:
        self._rates = rates
        self._clock = clock
        self._buckets: LRUCache[str, InMemoryBucket] = LRUCache(maxsize)

    def hit(self, key: str) -> float | None:
        """Count one event for `key`; None if allowed, else seconds until it would be."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = InMemoryBucket(self._rates)
        stamp = int(self._clock() * 1000)
        bucket.leak(stamp)
        decision = bucket.put_decision(RateItem(key, stamp))
        assert isinstance(decision, Decision)  # in-memory buckets answer synchronously
        return None if decision.allowed else max(1.0, (decision.retry_after_ms or 1000) / 1000)


class AbuseGuard:
    def __init__(self, clock: Clock) -> None:
        self._ip = KeyedLimits(SENDS_PER_IP, clock)
        self._phone = KeyedLimits(SENDS_PER_PHONE, clock)
        self._group = KeyedLimits(SENDS_PER_GROUP, clock)
        self._confirm_ip = KeyedLimits(CONFIRMS_PER_IP, clock)
        self._wrong: TTLCache[str, int] = TTLCache(100_000, ttl=3600, timer=clock)

    def send(self, ip: str, phone: str, group: str) -> float | None:
        """May this IP send a code to this phone for this group now?"""
        for limits, key in ((self._ip, ip), (self._phone, phone), (self._group, group.lower())):
            wait = limits.hit(key)
            if wait is not None:
                return wait
        return None

    def confirm(self, ip: str) -> float | None:
        return self._confirm_ip.hit(ip)

    def locked(self, token: str) -> bool:
        """Five wrong codes for a verification: even the right one is refused now."""
        return self._wrong.get(token, 0) >= MAX_WRONG_CODES

    def wrong_code(self, token: str) -> int:
        """Count a wrong code; returns how many attempts are left."""
        count = self._wrong.get(token, 0) + 1
        self._wrong[token] = count
        return max(0, MAX_WRONG_CODES - count)
