"""Limits on the subscription form, checked before any upstream call: per client IP, per
phone and per group (sliding windows: PyrateLimiter buckets in one process, Redis logs
across several), and wrong codes per verification."""

from __future__ import annotations

from typing import Protocol

from cachetools import LRUCache, TTLCache
from pyrate_limiter import InMemoryBucket, Rate

from widget_server.clock import Clock
from widget_server.upstream.budget import admit

SENDS_PER_IP = [Rate(5, 10 * 60_000), Rate(20, 24 * 3_600_000)]
SENDS_PER_PHONE = [Rate(5, 10 * 60_000)]
SENDS_PER_GROUP = [Rate(60, 3_600_000)]
CONFIRMS_PER_IP = [Rate(20, 10 * 60_000)]
MAX_WRONG_CODES = 5
WRONG_CODES_TTL = 3600.0


class Counters(Protocol):
    """Where the limits count: `LocalCounters` here, `shared.RedisCounters` in Redis."""

    async def hit(self, checks: list[tuple[str, list[Rate]]]) -> float | None: ...
    async def count_up(self, key: str, ttl: float) -> int: ...
    async def counted(self, key: str) -> int: ...


class LocalCounters:
    """One sliding-window bucket per key (keys name their kind: `send-ip:...`), bounded:
    the least recently used are dropped."""

    def __init__(self, clock: Clock, maxsize: int = 200_000) -> None:
        self._clock = clock
        self._buckets: LRUCache[str, InMemoryBucket] = LRUCache(maxsize)
        self._counts: TTLCache[str, int] = TTLCache(100_000, ttl=WRONG_CODES_TTL, timer=clock)

    async def hit(self, checks: list[tuple[str, list[Rate]]]) -> float | None:
        for key, rates in checks:
            wait = self._hit(key, rates)
            if wait is not None:
                return wait
        return None

    def _hit(self, key: str, rates: list[Rate]) -> float | None:
        """Count one event for `key`; None if allowed, else seconds until it would be."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = InMemoryBucket(rates)
        wait = admit(bucket, int(self._clock() * 1000), key)
        return None if wait is None else max(1.0, wait)

    async def count_up(self, key: str, ttl: float) -> int:
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def counted(self, key: str) -> int:
        return self._counts.get(key, 0)


class AbuseGuard:
    """Raises `cache.SharedDown` when shared counters cannot be reached: no limit, no
    SMS."""

    def __init__(self, clock: Clock, counters: Counters | None = None) -> None:
        self._counters = counters or LocalCounters(clock)

    async def send(self, ip: str, phone: str, group: str) -> float | None:
        """May this IP send a code to this phone for this group now?"""
        return await self._counters.hit([
            ("send-ip:" + ip, SENDS_PER_IP), ("send-phone:" + phone, SENDS_PER_PHONE),
            ("send-group:" + group.lower(), SENDS_PER_GROUP)])

    async def confirm(self, ip: str) -> float | None:
        return await self._counters.hit([("confirm-ip:" + ip, CONFIRMS_PER_IP)])

    async def locked(self, token: str) -> bool:
        """Five wrong codes for a verification: even the right one is refused now."""
        return await self._counters.counted("wrong:" + token) >= MAX_WRONG_CODES

    async def wrong_code(self, token: str) -> int:
        """Count a wrong code; returns how many attempts are left."""
        count = await self._counters.count_up("wrong:" + token, WRONG_CODES_TTL)
        return max(0, MAX_WRONG_CODES - count)
