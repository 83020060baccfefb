"""What the budget, the subscription limits and the SMS pacer need, built on the store's
primitives, so each backend implements the sliding window once."""

from __future__ import annotations

import secrets

from widget_server.clock import Clock
from widget_server.protocol import WINDOWS
from widget_server.state.base import NOT_LIMITED, Limit, StateStore, Window
from widget_server.upstream.budget import Use

TOTAL = "budget:total"
OTHERS = "budget:others"
STARTS = "budget:starts"
REFRESHES = "budget:refreshes"
CONSOLE = "budget:console"
LOGS = [TOTAL, OTHERS, STARTS, REFRESHES, CONSOLE]
Triple = tuple[int, int, int]


def console_share(reserve: Triple, share: float) -> Triple:
    """The console's part of the reserve (rounded down): `share` of each window's."""
    return (int(reserve[0] * share), int(reserve[1] * share), int(reserve[2] * share))


class StoreWindows:
    """The budget's logs (`upstream.budget.Windows`). Every call is in `total`, held to
    the ceilings. The console's calls are also in `console`, held to its share K of the
    reserve; every other call is in `others`, held to the ceilings less K, so the console
    always has its share (and beyond it only what refreshes leave idle). Of the rest of
    the reserve, half is the confirmations': every call but the console's and a
    confirmation is in `starts`, held to the ceilings less K and that half; refreshes are
    in `refreshes` as well, held to the ceilings less the whole reserve."""

    def __init__(self, store: StateStore, ceilings: Triple, reserve: Triple,
                 console: Triple = (0, 0, 0)) -> None:
        self._store = store
        lengths = [int(seconds * 1000) for _, seconds in WINDOWS]
        others = [c - k for c, k in zip(ceilings, console, strict=True)]
        confirms = [-(-(r - k) // 2) for r, k in zip(reserve, console, strict=True)]
        starts = [o - s for o, s in zip(others, confirms, strict=True)]
        refreshes = [c - r for c, r in zip(ceilings, reserve, strict=True)]

        def plan(logs: list[str], *limits: list[int]) -> tuple[list[str], list[Window]]:
            return logs, [(n, [lim[i] for lim in limits]) for i, n in enumerate(lengths)]

        self._plans: dict[Use, tuple[list[str], list[Window]]] = {
            "console": plan([TOTAL, CONSOLE], list(ceilings), list(console)),
            "confirm": plan([TOTAL, OTHERS], list(ceilings), others),
            "subscribe": plan([TOTAL, OTHERS, STARTS], list(ceilings), others, starts),
            "refresh": plan([TOTAL, OTHERS, STARTS, REFRESHES], list(ceilings), others,
                            starts, refreshes),
        }

    async def take(self, stamp: int, use: Use, member: str) -> float | None:
        logs, windows = self._plans[use]
        wait = await self._store.take(logs, windows, stamp, member)
        if wait is not None and use == "console":
            # Its share spent, the console may still use what refreshes leave idle: that
            # never touches the subscriptions' part of the reserve.
            spare = await self.take(stamp, "refresh", member)
            return None if spare is None else min(wait, spare)
        return wait

    async def settle(self, member: str, stamp: int) -> None:
        await self._store.restamp(LOGS, member, stamp)

    async def release(self, member: str) -> None:
        await self._store.forget(LOGS, member)

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
