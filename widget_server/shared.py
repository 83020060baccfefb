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
from redis.exceptions import RedisError

from widget_server.cache import Entry, SharedDown
from widget_server.upstream import models
from widget_server.upstream.budget import WINDOWS
from widget_server.upstream.errors import ApiRefused, GroupNotFound, PrivateGroup, Unavailable

_REFUSALS: dict[str, type[ApiRefused]] = {
    cls.__name__: cls for cls in (ApiRefused, GroupNotFound, PrivateGroup)}
# Delete the lock only if it is still ours (it may have expired and been taken).
_UNLOCK = """if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1]) else return 0 end"""
KEEP_VALUES_MS = 86_400_000  # a day-old value still beats nothing when the upstream fails


# One atomic check of every window of both logs, then the call recorded in each log it
# counts against. Counting up to +inf, not up to `now`, counts calls stamped a little
# later by an instance whose clock runs ahead: a skew can only make the budget stricter.
# KEYS: total log, shared log. ARGV: now, member, reserve (0/1), then per window:
# length (ms), total ceiling, shared ceiling. Returns -1 or milliseconds to wait.
_TAKE = """
local now, member, reserve = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local longest, wait = 0, -1
local logs = reserve and {{KEYS[1], 2}} or {{KEYS[1], 2}, {KEYS[2], 3}}
for i = 3, #ARGV - 1, 3 do
  local length = tonumber(ARGV[i + 1])
  longest = math.max(longest, length)
  for _, log in ipairs(logs) do
    local limit = tonumber(ARGV[i + log[2]])
    local used = redis.call('ZCOUNT', log[1], '(' .. (now - length), '+inf')
    if used >= limit then
      local oldest = redis.call('ZRANGEBYSCORE', log[1], '(' .. (now - length), '+inf',
                                'WITHSCORES', 'LIMIT', used - limit, 1)
      wait = math.max(wait, tonumber(oldest[2]) + length - now, 1)
    end
  end
end
if wait >= 0 then return wait end
for _, log in ipairs(logs) do
  redis.call('ZREMRANGEBYSCORE', log[1], '-inf', now - longest)
  redis.call('ZADD', log[1], now, member)
  redis.call('PEXPIRE', log[1], longest)
end
return -1
"""


class RedisWindows:
    """The budget's two logs as sorted sets in Redis, checked and filled by one script,
    so every instance draws on one budget (`Budget`'s `Windows`)."""

    def __init__(self, shared: RedisShared, ceilings: tuple[int, int, int],
                 reserve: tuple[int, int, int]) -> None:
        self._shared = shared
        self._keys = [shared.prefix + "budget:total", shared.prefix + "budget:shared"]
        # redis-py runs it by its hash and loads it again if Redis has lost it.
        self._take = shared.redis.register_script(_TAKE)
        self._args: list[int] = []
        for (_, seconds), total, kept in zip(WINDOWS, ceilings, reserve, strict=True):
            self._args += [int(seconds * 1000), total, total - kept]

    async def take(self, stamp: int, reserve: bool) -> float | None:
        member = f"{stamp}:{secrets.token_hex(6)}"
        wait = await self._shared.call(self._take(
            keys=self._keys, args=[stamp, member, int(reserve), *self._args]))
        return None if int(wait) < 0 else int(wait) / 1000

    async def used_since(self, stamp: int, since: int) -> int:
        return int(await self._shared.call(
            self._shared.redis.zcount(self._keys[0], f"({since}", "+inf")))


class RedisShared:
    def __init__(self, url: str, prefix: str, *, timeout: float = 1.0) -> None:
        self.redis = aioredis.Redis.from_url(url, socket_timeout=timeout,
                                             socket_connect_timeout=timeout)
        self.prefix = prefix

    def windows(self, ceilings: tuple[int, int, int],
                reserve: tuple[int, int, int]) -> RedisWindows:
        return RedisWindows(self, ceilings, reserve)

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
