"""The one budget every upstream call passes.

Sliding-window logs in the state store (`state.limits.StoreWindows`) hold every call
within the configured ceilings per minute, hour and day, and admit each by its use's
priority, floors and one client's share (`upstream.priority`): people before background
work. A call is recorded when admitted and moved to when its answer came (`settle`): the
upstream counts a call when it arrives, which may be later than we let it go. A call that
never reached the upstream gives its slot back (`release`).

The upstream's word is authoritative on top of that: a throttle tag halves the pace of
refreshes (recovering an hour later) and pauses them for the window it names (`COOL_DOWN`:
60, 600 or 3600 s); error 113 stops every call for that cool-down.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from widget_server.clock import Clock
from widget_server.protocol import WINDOWS
from widget_server.state.base import StateStore
from widget_server.upstream.errors import BudgetExhausted, SiteTrouble, TooManyMisses
from widget_server.upstream.priority import PRIORITY, Rule, Triple, Use

log = logging.getLogger("widget_server.upstream")
# How long refreshes pause after a tag, and every call stops after a 113, by the window
# the upstream names: the longer the window, the longer until it has room again.
COOL_DOWN = {"minute": 60.0, "hour": 600.0, "day": 3600.0}
PACE_RECOVERY = 3600.0
BACKGROUND = PRIORITY[-2:]  # what a throttle tag pauses: guesses and refreshes
MIN_PACE = 1 / 8


@dataclass
class _Pressure:
    """What the upstream has told us lately."""

    paused_until: float = 0.0  # no refreshes before this
    stopped_until: float = 0.0  # no calls at all before this (error 113)
    pace: float = 1.0
    pace_since: float = 0.0


class Refused(NamedTuple):
    """A take refused: seconds until there is room, and whether it was this client's own
    share that was spent (not everyone's room)."""

    wait: float
    own: bool


@dataclass(frozen=True)
class Admitted:
    """A call the budget let go: to `settle` when its answer came, or `release`."""

    member: str
    use: Use
    client: str | None


class Windows(Protocol):
    """The logs: `take` records one call or says why not."""

    async def take(self, stamp: int, use: Use, member: str,
                   client: str | None = None) -> Refused | None: ...
    async def settle(self, member: str, stamp: int, use: Use, client: str | None) -> None: ...
    async def release(self, member: str, use: Use, client: str | None) -> None: ...
    async def used_since(self, stamp: int, since: int) -> int: ...


class Budget:
    """Admits upstream calls within ceilings, people before background work."""

    def __init__(self, ceilings: Triple, admission: Mapping[Use, Rule], clock: Clock, *,
                 windows: Windows, store: StateStore | None = None) -> None:
        self.ceilings = ceilings
        self.rules = admission  # `priority.rules`, as the windows apply them
        refreshes = admission["refresh"].room
        self.reserve = (ceilings[0] - refreshes[0], ceilings[1] - refreshes[1],
                        ceilings[2] - refreshes[2])  # what refreshes never take
        self._clock = clock
        self._windows = windows
        self._pressure = _Pressure()
        self._store = store
        self._telling: set[asyncio.Task[None]] = set()

    async def acquire(self, use: Use = "refresh", client: str | None = None) -> Admitted:
        """Take one call for `use` on behalf of `client`, or raise BudgetExhausted (no
        room) or TooManyMisses (this client's share is spent) with when to try again."""
        now = self._clock()
        call = Admitted(f"{int(now * 1000)}:{secrets.token_hex(6)}", use, client)
        try:
            await self._hear_peers()
            wait = self._blocked_for(now, use)
            if wait > 0:
                raise BudgetExhausted(wait)
            refused = await self._windows.take(int(now * 1000), use, call.member, client)
        except BudgetExhausted:
            raise
        except Exception as error:  # the store failed: no call that cannot be counted
            log.warning("budget store unavailable: %s", error)
            raise SiteTrouble(f"the budget cannot be counted: {error}") from error
        if refused is not None:
            raise TooManyMisses(refused.wait) if refused.own else BudgetExhausted(refused.wait)
        return call

    async def release(self, call: Admitted) -> None:
        """The call never reached the upstream (not made after all, or no connection): its
        slot is given back, so the budget counts exactly what the upstream counted."""
        try:
            await self._windows.release(call.member, call.use, call.client)
        except Exception as error:  # it stays counted: stricter, never looser
            log.warning("budget store unavailable: %s", error)

    async def settle(self, call: Admitted) -> None:
        """The call's answer came (or its deadline passed): count it from now on."""
        try:
            await self._windows.settle(call.member, int(self._clock() * 1000), call.use,
                                       call.client)
        except Exception as error:  # it stays counted from its admission
            log.warning("budget store unavailable: %s", error)

    async def _hear_peers(self) -> None:
        if self._store is not None:
            paused, stopped = await self._store.pressure()
            p = self._pressure
            p.paused_until, p.stopped_until = (max(p.paused_until, paused),
                                               max(p.stopped_until, stopped))

    def _tell_peers(self) -> None:
        if self._store is None:
            return
        p = self._pressure
        task = asyncio.create_task(self._store.record_pressure(p.paused_until, p.stopped_until,
                                                     self._clock()))
        self._telling.add(task)
        task.add_done_callback(self._told)

    def _told(self, task: asyncio.Task[None]) -> None:
        self._telling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not tell the other instances: %s", task.exception())

    def _blocked_for(self, now: float, use: Use) -> float:
        p = self._pressure
        if p.stopped_until > now:
            return p.stopped_until - now
        if use in BACKGROUND and p.paused_until > now:
            return p.paused_until - now
        return 0.0

    def throttle_tag(self, window: str = "minute") -> None:
        """The upstream passed a warn value in `window`: slow down, longer for longer
        windows."""
        now = self._clock()
        p = self._pressure
        p.pace = max(MIN_PACE, self.pace() / 2)
        p.pace_since = now
        p.paused_until = max(p.paused_until, now + COOL_DOWN.get(window, COOL_DOWN["minute"]))
        self._tell_peers()

    def throttled(self, window: str) -> None:
        """The upstream refused a call with error 113: stop everything for a while."""
        now = self._clock()
        self.throttle_tag(window)
        self._pressure.stopped_until = max(self._pressure.stopped_until,
                                           now + COOL_DOWN.get(window, 60.0))
        self._tell_peers()

    def pressure(self) -> dict[str, float]:
        """What the upstream has told us, for /readyz: seconds left of a pause of refreshes
        or a stop of every call (0: none), and the pace of refreshes."""
        now, p = self._clock(), self._pressure
        return {"paused_for": round(max(0.0, p.paused_until - now), 1),
                "stopped_for": round(max(0.0, p.stopped_until - now), 1),
                "pace": self.pace()}

    def pace(self) -> float:
        """1.0 normally; lower after throttle tags, doubling back each quiet hour."""
        p = self._pressure
        if p.pace >= 1.0:
            return 1.0
        hours = int((self._clock() - p.pace_since) // PACE_RECOVERY)
        return min(1.0, p.pace * 2.0 ** hours)

    def refresh_rate(self) -> float:
        """Calls a second that refreshes may spend indefinitely: the tightest window's."""
        sustainable = min((c - r) / seconds for c, r, (_, seconds)
                          in zip(self.ceilings, self.reserve, WINDOWS, strict=True))
        return sustainable * self.pace()

    async def remaining(self) -> dict[str, int]:
        """Calls left in each window now, counting the reserve."""
        stamp = int(self._clock() * 1000)
        return {name: max(0, ceiling - await self._windows.used_since(
                    stamp, stamp - int(sec * 1000)))
                for ceiling, (name, sec) in zip(self.ceilings, WINDOWS, strict=True)}
