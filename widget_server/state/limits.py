"""What the budget, the subscription limits and the SMS pacer need, built on the store's
primitives, so each backend implements the sliding window once."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from widget_server.clock import Clock
from widget_server.protocol import WINDOWS
from widget_server.state.base import NOT_LIMITED, Limit, StateStore, Window
from widget_server.upstream.budget import Refused
from widget_server.upstream.priority import PRIORITY, Rule, Triple, Use

TOTAL = "budget:total"


def level_log(level: int) -> str:
    """`L_level`: every call of this level of priority or below (`L_0`: every call)."""
    return TOTAL if level == 0 else f"budget:from:{PRIORITY[level]}"


def client_log(use: Use, client: str) -> str:
    return f"budget:client:{use}:{client}"


LOGS = [level_log(level) for level in range(len(PRIORITY))]


class StoreWindows:
    """The budget's logs (`upstream.budget.Windows`), by the rules of
    `upstream.priority`: one take checks and records a call in its levels' logs and its
    client's, atomically, so no process slips a call past a floor or a share."""

    def __init__(self, store: StateStore, admission: Mapping[Use, Rule]) -> None:
        self._store = store
        self._lengths = [int(seconds * 1000) for _, seconds in WINDOWS]
        self.rules = admission

    async def take(self, stamp: int, use: Use, member: str,
                   client: str | None = None) -> Refused | None:
        logs, limits = self._plan(use, client)
        windows: list[Window] = [(length, [limit[i] for limit in limits])
                                 for i, length in enumerate(self._lengths)]
        wait = await self._store.take(logs, windows, stamp, member)
        if wait is None:
            return None
        own = client is not None and self.rules[use].share is not None
        return Refused(wait, own and await self._spent(stamp, use, str(client)))

    def _plan(self, use: Use, client: str | None) -> tuple[list[str], list[Triple]]:
        """The logs a call of `use` for `client` is in, and each one's limits."""
        rule = self.rules[use]
        logs, limits = LOGS[: rule.level + 1], list(rule.limits)
        if client is None or rule.share is None:
            return logs, limits
        return [*logs, client_log(use, client)], [*limits, rule.share]

    async def _spent(self, stamp: int, use: Use, client: str) -> bool:
        """Whether the refusal was this client's share being spent while others still
        have room (when everyone's room is spent too, it is everyone's refusal)."""
        rule = self.rules[use]
        assert rule.share is not None
        if not await self._over(stamp, [client_log(use, client)], [rule.share]):
            return False
        return not await self._over(stamp, LOGS[: rule.level + 1], list(rule.limits))

    async def _over(self, stamp: int, logs: list[str], limits: list[Triple]) -> bool:
        """Whether any of `logs` is at its limit in some window now."""
        for log, limit in zip(logs, limits, strict=True):
            for length, most in zip(self._lengths, limit, strict=True):
                if await self._store.count_since(log, stamp - length) >= most:
                    return True
        return False

    async def settle(self, member: str, stamp: int, use: Use, client: str | None) -> None:
        await self._store.restamp(self._plan(use, client)[0], member, stamp)

    async def release(self, member: str, use: Use, client: str | None) -> None:
        await self._store.forget(self._plan(use, client)[0], member)

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
