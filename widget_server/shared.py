"""The Redis backend several instances share: cache entries, the upstream budget's
windows, the upstream's last word on throttling, and per-key fetch locks.

Entries are JSON (never pickle: whoever can write to Redis must not be able to run code
here). Every Redis failure surfaces as `SharedDown`, on which callers make no upstream
call and serve what they hold in-process.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import redis.asyncio as aioredis
from pyrate_limiter import RedisBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript
from redis.exceptions import RedisError

from widget_server.cache import Entry, SharedDown
from widget_server.upstream import models
from widget_server.upstream.budget import rates
from widget_server.upstream.errors import ApiRefused, GroupNotFound, PrivateGroup, Unavailable

_REFUSALS: dict[str, type[ApiRefused]] = {
    cls.__name__: cls for cls in (ApiRefused, GroupNotFound, PrivateGroup)}
# Delete the lock only if it is still ours (it may have expired and been taken).
_UNLOCK = """if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1]) else return 0 end"""
KEEP_VALUES_MS = 86_400_000  # a day-old value still beats nothing when the upstream fails


class RedisShared:
    def __init__(self, url: str, prefix: str, *, timeout: float = 1.0) -> None:
        self.redis = aioredis.Redis.from_url(url, socket_timeout=timeout,
                                             socket_connect_timeout=timeout)
        self.prefix = prefix

    def buckets(self, ceilings: tuple[int, int, int],
                reserve: tuple[int, int, int]) -> tuple[RedisBucket, RedisBucket]:
        """The budget's two windows logs (see `Budget`), as sorted sets checked and
        filled by one Lua script each, so all instances draw on one budget."""
        # Redis names a loaded script by the SHA-1 of its text.
        script = hashlib.sha1(LuaScript.PUT_ITEM.encode()).hexdigest()
        shared = (ceilings[0] - reserve[0], ceilings[1] - reserve[1], ceilings[2] - reserve[2])
        return (RedisBucket(rates(ceilings), self.redis, self.prefix + "budget:total", script),
                RedisBucket(rates(shared), self.redis, self.prefix + "budget:shared", script))

    async def repair(self) -> None:
        """After Redis restarts its script cache is empty: load the budget's script."""
        await self._call(self.redis.script_load(LuaScript.PUT_ITEM))

    async def load(self, key: str) -> Entry | None:
        raw = await self._call(self.redis.get(self.prefix + "cache:" + key))
        return None if raw is None else _decode(raw)

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        keep = KEEP_VALUES_MS if entry.value is not None else int(error_ttl * 1000)
        await self._call(self.redis.set(self.prefix + "cache:" + key, _encode(entry),
                                        px=max(1, keep)))

    async def lock(self, key: str, ttl: float) -> str | None:
        token = secrets.token_hex(8)
        taken = await self._call(self.redis.set(self.prefix + "lock:" + key, token, nx=True,
                                                px=int(ttl * 1000)))
        return token if taken else None

    async def unlock(self, key: str, token: str) -> None:
        await self._call(self.redis.eval(_UNLOCK, 1, self.prefix + "lock:" + key, token))

    async def pressure(self) -> tuple[float, float]:
        """(refreshes paused until, all calls stopped until), as any instance last heard."""
        paused, stopped = await self._call(self.redis.mget(
            self.prefix + "pressure:paused", self.prefix + "pressure:stopped"))
        return float(paused or 0), float(stopped or 0)

    async def press(self, paused_until: float, stopped_until: float, now: float) -> None:
        for name, until in (("paused", paused_until), ("stopped", stopped_until)):
            if until > now:
                await self._call(self.redis.set(self.prefix + "pressure:" + name, until,
                                                px=int((until - now) * 1000) + 1))

    async def _call(self, pending: Any) -> Any:
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
