"""What the budget, the subscription limits and the SMS pacer need, built on the store's
primitives, so each backend implements the sliding window once."""

from __future__ import annotations

import secrets

from widget_server.clock import Clock
from widget_server.state.base import NOT_LIMITED, Limit, StateStore, Window
from widget_server.upstream.budget import WINDOWS, Use

TOTAL = "budget:total"
STARTS = "budget:starts"
REFRESHES = "budget:shared"


class StoreWindows:
    """The budget's nested logs (`upstream.budget.Windows`): every call is in `total`, held
    to the ceilings; every call but a confirmation is in `starts` too, held to the ceilings
    less the confirmations' share (half the reserve); refreshes are in `refreshes` as
    well, held to the ceilings less the whole reserve."""

    def __init__(self, store: StateStore, ceilings: tuple[int, int, int],
                 reserve: tuple[int, int, int]) -> None:
        self._store = store
        lengths = [int(seconds * 1000) for _, seconds in WINDOWS]
        confirms = [-(-r // 2) for r in reserve]  # rounded up
        self._plans: dict[Use, tuple[list[str], list[Window]]] = {
            "confirm": ([TOTAL], [(n, [c]) for n, c in zip(lengths, ceilings, strict=True)]),
            "subscribe": ([TOTAL, STARTS], [
                (n, [c, c - s]) for n, c, s in zip(lengths, ceilings, confirms, strict=True)]),
            "refresh": ([TOTAL, STARTS, REFRESHES], [
                (n, [c, c - s, c - r]) for n, c, s, r
                in zip(lengths, ceilings, confirms, reserve, strict=True)]),
        }

    async def take(self, stamp: int, use: Use, member: str) -> float | None:
        logs, windows = self._plans[use]
        return await self._store.take(logs, windows, stamp, member)

    async def settle(self, member: str, stamp: int) -> None:
        await self._store.restamp([TOTAL, STARTS, REFRESHES], member, stamp)

    async def used_since(self, stamp: int, since: int) -> int:
        return await self._store.count_since(TOTAL, since)


class StoreCounters:
    """Named sliding-window limits and expiring counters (`abuse.Counters`): all the checks
    of one request in one atomic take, so no process slips an event past a limit."""

    def __init__(self, store: StateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def hit(self, checks: list[tuple[str, list[Limit]]],
                  member: str | None = None) -> float | None:
        lengths = sorted({limit.ms for _, limits in checks for limit in limits})
        by_length = [{limit.ms: limit.count for limit in limits} for _, limits in checks]
        windows: list[Window] = [
            (length, [counts.get(length, NOT_LIMITED) for counts in by_length])
            for length in lengths]
        return await self._store.take(["limit:" + key for key, _ in checks], windows,
                                      int(self._clock() * 1000), member or secrets.token_hex(8))

    async def forget(self, keys: list[str], member: str) -> None:
        await self._store.forget(["limit:" + key for key in keys], member)

    async def count_up(self, key: str, ttl: float) -> int:
        return await self._store.count_up(key, ttl)

    async def counted(self, key: str) -> int:
        return await self._store.counted(key)
