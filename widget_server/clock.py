"""Injectable time: everything that keeps windows or TTLs takes a `Clock`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
"""Returns seconds since the epoch; tests pass a `ManualClock`."""

system_clock: Clock = time.time


class ManualClock:
    """A clock that moves only when told to: for window and TTL tests without sleeping."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Until the clock has been advanced `seconds` (checked every few milliseconds, so
        that a test in another thread may advance it)."""
        until = self.now + seconds
        while self.now < until:
            await asyncio.sleep(0.005)


async def sleep(clock: Clock, seconds: float) -> None:
    """`seconds` by `clock`: real time, or a `ManualClock`'s."""
    if isinstance(clock, ManualClock):
        await clock.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


def iso8601(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
