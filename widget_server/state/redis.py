"""The backend for several machines: Redis, shared by every instance of a deployment.

Sliding-window logs are sorted sets, checked and filled by one Lua script; cache entries
are JSON (`codec`) kept for a week; fetch locks are `SET NX PX` with an owner token.
"""

from __future__ import annotations

import secrets
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from widget_server.entries import Entry
from widget_server.migrations import NewerSchema
from widget_server.state import codec
from widget_server.state.base import KEEP_VALUES, StoreDown, Window

SCHEMA_VERSION = 1  # what the keys under the prefix look like; later versions migrate

# Delete the lock only if it is still ours (it may have expired and been taken).
_UNLOCK = """if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1]) else return 0 end"""
# Take a free lock, or renew it for the token that holds it.
_LOCK = """local held = redis.call('get', KEYS[1])
if held == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if held then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1"""
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
# Raise a time, never lower it. KEYS: the key. ARGV: the time, milliseconds to keep it.
_RAISE = """local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > old then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 0"""
# Index a saved value by its fetch time and drop the values beyond the bound (and those
# past their week). KEYS: the index. ARGV: key, fetched, bound, prefix of the values,
# oldest fetch time kept.
_BOUND = """redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[5])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if extra > 0 then
  for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) do
    redis.call('DEL', ARGV[4] .. key)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
end
return 0"""


class RedisState:
    """`base.StateStore` on Redis; every key starts with `prefix`."""

    def __init__(self, url: str, prefix: str, *, timeout: float = 1.0,
                 max_entries: int = 10_000) -> None:
        self.redis = aioredis.Redis.from_url(url, socket_timeout=timeout,
                                             socket_connect_timeout=timeout)
        self.prefix = prefix
        self._max_entries = max_entries
        self._raise = self.redis.register_script(_RAISE)
        self._bound = self.redis.register_script(_BOUND)
        # redis-py runs them by their hash and loads them again if Redis has lost them.
        self._take = self.redis.register_script(_TAKE)

    async def take(self, logs: list[str], windows: list[Window], stamp: int,
                   member: str) -> float | None:
        args: list[int] = []
        for length, limits in windows:
            args += [length, *limits]
        wait = await self.call(self._take(keys=[self.prefix + log for log in logs],
                                          args=[stamp, member, len(logs), *args]))
        return None if int(wait) < 0 else int(wait) / 1000

    async def restamp(self, logs: list[str], member: str, stamp: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for log in logs:
                pipe.zadd(self.prefix + log, {member: stamp}, xx=True, gt=True)
            await self.call(pipe.execute())

    async def forget(self, logs: list[str], member: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for log in logs:
                pipe.zrem(self.prefix + log, member)
            await self.call(pipe.execute())

    async def count_since(self, log: str, since: int) -> int:
        return int(await self.call(self.redis.zcount(self.prefix + log, f"({since}", "+inf")))

    async def count_up(self, key: str, ttl: float) -> int:
        # One transaction: the counter is born with its expiry, whatever happens next.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.prefix + key, 0, px=max(1, int(ttl * 1000)), nx=True)
            pipe.incr(self.prefix + key)
            _, count = await self.call(pipe.execute())
        return int(count)

    async def counted(self, key: str) -> int:
        return int(await self.call(self.redis.get(self.prefix + key)) or 0)

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self.call(self.redis.set(self.prefix + "kept:" + key, value,
                                       px=max(1, int(ttl * 1000))))

    async def get(self, key: str) -> str | None:
        found = await self.call(self.redis.get(self.prefix + "kept:" + key))
        return None if found is None else bytes(found).decode()

    async def drop(self, key: str) -> None:
        await self.call(self.redis.delete(self.prefix + "kept:" + key))

    async def append(self, key: str, value: str, keep: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self.prefix + "list:" + key, value)
            pipe.ltrim(self.prefix + "list:" + key, 0, keep - 1)
            await self.call(pipe.execute())

    async def recent(self, key: str) -> list[str]:
        values = await self.call(self.redis.lrange(self.prefix + "list:" + key, 0, -1))
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values]

    async def load(self, key: str) -> Entry | None:
        value, failure = await self.call(self.redis.mget(self.prefix + "cache:" + key,
                                                         self.prefix + "fail:" + key))
        return codec.joined(value, failure)

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        """A value and a failure under keys of their own: a failure never replaces the
        value, and lives only briefly."""
        if entry.error is not None:
            await self.call(self.redis.set(self.prefix + "fail:" + key, codec.encode(entry),
                                           px=max(1, int(error_ttl * 1000))))
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.prefix + "cache:" + key, codec.encode(entry),
                     px=int(KEEP_VALUES * 1000))
            pipe.delete(self.prefix + "fail:" + key)
            await self.call(pipe.execute())
        await self.call(self._bound(keys=[self.prefix + "entries"], args=[
            key, entry.fetched, self._max_entries, self.prefix + "cache:",
            entry.fetched - KEEP_VALUES]))

    async def lock(self, key: str, ttl: float, token: str | None = None) -> str | None:
        held = token or secrets.token_hex(8)
        taken = await self.call(self.redis.eval(_LOCK, 1, self.prefix + "lock:" + key, held,
                                                max(1, int(ttl * 1000))))
        return held if taken else None

    async def unlock(self, key: str, token: str) -> None:
        await self.call(self.redis.eval(_UNLOCK, 1, self.prefix + "lock:" + key, token))

    async def pressure(self) -> tuple[float, float]:
        paused, stopped = await self.call(self.redis.mget(
            self.prefix + "pressure:paused", self.prefix + "pressure:stopped"))
        return float(paused or 0), float(stopped or 0)

    async def record_pressure(self, paused_until: float, stopped_until: float, now: float) -> None:
        for name, until in (("paused", paused_until), ("stopped", stopped_until)):
            if until > now:
                await self.call(self._raise(keys=[self.prefix + "pressure:" + name],
                                            args=[until, int((until - now) * 1000) + 1]))

    async def schema(self) -> int:
        """The prefix's schema version, set to ours if none is there yet (NewerSchema if a
        newer widget-server wrote it)."""
        key = self.prefix + "schema"
        await self.call(self.redis.set(key, SCHEMA_VERSION, nx=True))
        found = int(await self.call(self.redis.get(key)) or SCHEMA_VERSION)
        if found > SCHEMA_VERSION:
            raise NewerSchema(f"Redis under {self.prefix!r} has schema version {found}, and "
                              f"this widget-server knows {SCHEMA_VERSION}")
        return found

    async def call(self, pending: Any) -> Any:
        try:
            return await pending
        except (RedisError, OSError) as error:
            raise StoreDown(str(error)) from error

    async def aclose(self) -> None:
        await self.redis.aclose()
