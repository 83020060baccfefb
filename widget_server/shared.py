"""The Redis backend several instances share: cache entries, the upstream budget's
windows, the upstream's last word on throttling, and per-key fetch locks.

Entries are JSON (never pickle: whoever can write to Redis must not be able to run code
here). Every Redis failure surfaces as `SharedDown`, on which callers make no upstream
call and serve what they hold in-process.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import redis.asyncio as aioredis
from pyrate_limiter import Rate
from redis.exceptions import RedisError

from widget_server.cache import Entry, SharedDown
from widget_server.clock import Clock
from widget_server.upstream import models
from widget_server.upstream.budget import WINDOWS
from widget_server.upstream.errors import ApiRefused, GroupNotFound, PrivateGroup, Unavailable

_REFUSALS: dict[str, type[ApiRefused]] = {
    cls.__name__: cls for cls in (ApiRefused, GroupNotFound, PrivateGroup)}
# Delete the lock only if it is still ours (it may have expired and been taken).
_UNLOCK = """if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1]) else return 0 end"""
KEEP_VALUES_MS = 86_400_000  # a day-old value still beats nothing when the upstream fails


# One atomic check of every window of several sliding-window logs, then the event recorded
# in each of them. Counting up to +inf, not up to `now`, counts events stamped a little
# later by an instance whose clock runs ahead: a skew can only make the limits stricter.
# KEYS: the logs. ARGV: now (ms), member, number of logs, then per window: its length (ms)
# and one limit per log. Returns -1 (recorded) or milliseconds to wait.
_TAKE = """
local now, member, logs = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local longest, wait = 0, -1
for i = 4, #ARGV, logs + 1 do
  local length = tonumber(ARGV[i])
  longest = math.max(longest, length)
  for k = 1, logs do
    local limit = tonumber(ARGV[i + k])
    local used = redis.call('ZCOUNT', KEYS[k], '(' .. (now - length), '+inf')
    if used >= limit then
      local oldest = redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. (now - length), '+inf',
                                'WITHSCORES', 'LIMIT', math.max(used - limit, 0), 1)
      local since = tonumber(oldest[2]) or now
      wait = math.max(wait, since + length - now, 1)
    end
  end
end
if wait >= 0 then return wait end
for k = 1, logs do
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - longest)
  redis.call('ZADD', KEYS[k], now, member)
  redis.call('PEXPIRE', KEYS[k], longest)
end
return -1
"""
NOT_LIMITED = 2**31


class RedisWindows:
    """The budget's two logs as sorted sets in Redis, checked and filled by one script,
    so every instance draws on one budget (`Budget`'s `Windows`)."""

    def __init__(self, shared: RedisShared, ceilings: tuple[int, int, int],
                 reserve: tuple[int, int, int]) -> None:
        self._shared = shared
        self._total = shared.prefix + "budget:total"
        self._refreshes = shared.prefix + "budget:shared"
        lengths = [int(seconds * 1000) for _, seconds in WINDOWS]
        # Subscriptions count against the total only; everything else against both.
        self._reserve_windows = [(n, [c]) for n, c in zip(lengths, ceilings, strict=True)]
        self._windows = [(n, [c, c - r]) for n, c, r in zip(lengths, ceilings, reserve,
                                                            strict=True)]

    async def take(self, stamp: int, reserve: bool) -> float | None:
        if reserve:
            return await self._shared.take([self._total], self._reserve_windows, stamp)
        return await self._shared.take([self._total, self._refreshes], self._windows, stamp)

    async def used_since(self, stamp: int, since: int) -> int:
        return int(await self._shared.call(
            self._shared.redis.zcount(self._total, f"({since}", "+inf")))


class RedisShared:
    def __init__(self, url: str, prefix: str, *, timeout: float = 1.0) -> None:
        self.redis = aioredis.Redis.from_url(url, socket_timeout=timeout,
                                             socket_connect_timeout=timeout)
        self.prefix = prefix
        # redis-py runs it by its hash and loads it again if Redis has lost it.
        self._take = self.redis.register_script(_TAKE)

    def windows(self, ceilings: tuple[int, int, int],
                reserve: tuple[int, int, int]) -> RedisWindows:
        return RedisWindows(self, ceilings, reserve)

    async def take(self, logs: list[str], windows: list[tuple[int, list[int]]],
                   stamp: int) -> float | None:
        """Record an event in every log if each window (length in ms, one limit per log)
        has room in each; else the seconds to wait. One atomic script."""
        args: list[int] = []
        for length, limits in windows:
            args += [length, *limits]
        wait = await self.call(self._take(
            keys=logs, args=[stamp, f"{stamp}:{secrets.token_hex(6)}", len(logs), *args]))
        return None if int(wait) < 0 else int(wait) / 1000

    async def count_up(self, key: str, ttl: float) -> int:
        """Add one to a counter that disappears `ttl` seconds after it was first set."""
        count = await self.call(self.redis.incr(self.prefix + key))
        if int(count) == 1:
            await self.call(self.redis.pexpire(self.prefix + key, int(ttl * 1000)))
        return int(count)

    async def counted(self, key: str) -> int:
        return int(await self.call(self.redis.get(self.prefix + key)) or 0)

    async def load(self, key: str) -> Entry | None:
        raw = await self.call(self.redis.get(self.prefix + "cache:" + key))
        return None if raw is None else _decode(raw)

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        keep = KEEP_VALUES_MS if entry.value is not None else int(error_ttl * 1000)
        await self.call(self.redis.set(self.prefix + "cache:" + key, _encode(entry),
                                        px=max(1, keep)))

    async def lock(self, key: str, ttl: float) -> str | None:
        token = secrets.token_hex(8)
        taken = await self.call(self.redis.set(self.prefix + "lock:" + key, token, nx=True,
                                                px=int(ttl * 1000)))
        return token if taken else None

    async def unlock(self, key: str, token: str) -> None:
        await self.call(self.redis.eval(_UNLOCK, 1, self.prefix + "lock:" + key, token))

    async def pressure(self) -> tuple[float, float]:
        """(refreshes paused until, all calls stopped until), as any instance last heard."""
        paused, stopped = await self.call(self.redis.mget(
            self.prefix + "pressure:paused", self.prefix + "pressure:stopped"))
        return float(paused or 0), float(stopped or 0)

    async def press(self, paused_until: float, stopped_until: float, now: float) -> None:
        for name, until in (("paused", paused_until), ("stopped", stopped_until)):
            if until > now:
                await self.call(self.redis.set(self.prefix + "pressure:" + name, until,
                                                px=int((until - now) * 1000) + 1))

    async def call(self, pending: Any) -> Any:
        try:
            return await pending
        except (RedisError, OSError) as error:
            raise SharedDown(str(error)) from error

    async def aclose(self) -> None:
        await self.redis.aclose()


def _encode(entry: Entry) -> str:
    value: dict[str, Any] | None = None
    if isinstance(entry.value, models.Group):
        value = {"kind": "group", "data": {"group": entry.value.as_json()}}
    elif isinstance(entry.value, models.Stream):
        stream = entry.value
        data: dict[str, Any] = {"messages": [m.as_json() for m in stream.messages]}
        if stream.total is not None:
            data["total"] = stream.total
        value = {"kind": "stream", "data": data}
    error = None
    if isinstance(entry.error, ApiRefused) and type(entry.error).__name__ in _REFUSALS:
        error = {"kind": type(entry.error).__name__, "code": entry.error.code,
                 "message": entry.error.message}
    return json.dumps({"value": value, "fetched": entry.fetched, "error": error,
                       "retry_at": entry.retry_at if error else 0.0})


def _decode(raw: bytes) -> Entry | None:
    """An entry, or None for anything unreadable (treated as absent, not trusted)."""
    try:
        stored = json.loads(raw)
        value, error = stored.get("value"), stored.get("error")
        entry = Entry(fetched=float(stored["fetched"]), retry_at=float(stored["retry_at"]))
        if value:
            parse = models.group if value["kind"] == "group" else models.stream
            entry.value = parse(value["data"])
            entry.version = 1
        if error:
            entry.error = _REFUSALS[error["kind"]](int(error["code"]), str(error["message"]))
        return entry
    except (ValueError, KeyError, TypeError, AttributeError, Unavailable):
        return None


class RedisCounters:
    """The subscription limits (`abuse.Counters`) in Redis: every check of one request in
    one script, so no instance can slip an SMS past a limit another one counted."""

    def __init__(self, shared: RedisShared, clock: Clock) -> None:
        self._shared = shared
        self._clock = clock

    async def hit(self, checks: list[tuple[str, list[Rate]]]) -> float | None:
        lengths = sorted({rate.interval for _, rates in checks for rate in rates})
        limits = [{rate.interval: rate.limit for rate in rates} for _, rates in checks]
        windows = [(length, [by_length.get(length, NOT_LIMITED) for by_length in limits])
                   for length in lengths]
        logs = [self._shared.prefix + "limit:" + key for key, _ in checks]
        return await self._shared.take(logs, windows, int(self._clock() * 1000))

    async def count_up(self, key: str, ttl: float) -> int:
        return await self._shared.count_up(key, ttl)

    async def counted(self, key: str) -> int:
        return await self._shared.counted(key)
