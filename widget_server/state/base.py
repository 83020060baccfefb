"""The state store's one interface: the primitives both backends (`sqlite`, `redis`)
implement, on which the budget, the cache, the subscription limits and the SMS pacer are
built (`limits`).

Every failure of the backing store surfaces as `StoreDown`; callers then make no upstream
call and send no SMS (nothing may happen that cannot be counted), and serve what they hold
in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from widget_server.entries import Entry

# Last good values are kept this long after their fetch: a week-old answer, shown as
# what it is, still beats "try again" for a visitor after a long outage.
KEEP_VALUES = 7 * 86_400.0
NOT_LIMITED = 2**31
Window = tuple[int, list[int]]
"""A window's length in milliseconds and one limit per log it checks."""


class StoreDown(Exception):
    """The state store (SQLite file or Redis) could not be read or written."""


class StateFileError(Exception):
    """The state file cannot be used; the message says which file and what to do."""


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` events in any `seconds`."""

    count: int
    seconds: float

    @property
    def ms(self) -> int:
        return int(self.seconds * 1000)


class StateStore(Protocol):
    """What must outlive a process and be shared by every process that uses one budget."""

    async def take(self, logs: list[str], windows: list[Window], stamp: int,
                   member: str) -> float | None:
        """Record `member` at `stamp` (ms) in every log if every window has room in each;
        else the seconds to wait. Atomic across processes."""

    async def restamp(self, logs: list[str], member: str, stamp: int) -> None:
        """Move a recorded event to a later time (a call counts until its answer)."""

    async def forget(self, logs: list[str], member: str) -> None:
        """Take a recorded event back (it turned out to cost nothing)."""

    async def count_since(self, log: str, since: int) -> int: ...

    async def count_up(self, key: str, ttl: float) -> int:
        """Add one to a counter that is forgotten `ttl` seconds after it was first set."""

    async def counted(self, key: str) -> int: ...

    async def append(self, key: str, value: str, keep: int) -> None:
        """Add `value` to the list under `key`, keeping only its newest `keep` values."""

    async def recent(self, key: str) -> list[str]:
        """The list under `key`, newest first."""

    async def load(self, key: str) -> Entry | None:
        """The cache entry last saved under `key` (None if absent or unreadable)."""

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        """Keep `entry`; an entry without a value never replaces a stored value."""

    async def lock(self, key: str, ttl: float) -> str | None: ...
    async def unlock(self, key: str, token: str) -> None: ...

    async def pressure(self) -> tuple[float, float]:
        """(refreshes paused until, all calls stopped until), as any process last heard."""

    async def press(self, paused_until: float, stopped_until: float, now: float) -> None: ...

    async def aclose(self) -> None: ...
