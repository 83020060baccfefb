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
    """What must outlive a process and be shared by every process that uses one budget.

    The contract every backend keeps (`tests/test_store_contract.py` checks it on each):
    every operation is atomic across processes; every failure of the backing store raises
    `StoreDown` and changes nothing it did not finish; times to live run on the backend's
    clock (the process's for SQLite, the server's own for Redis); nothing is kept without
    a bound, in count or in time.
    """

    async def take(self, logs: list[str], windows: list[Window], stamp: int,
                   member: str) -> float | None:
        """Record `member` at `stamp` (ms) in every log if, in each window (length ms,
        one limit per log), every log has fewer events than its limit after `stamp` minus
        the length (events stamped later than `stamp` count too); None then. Else record
        nothing and return the seconds until the oldest event in the way leaves."""

    async def restamp(self, logs: list[str], member: str, stamp: int) -> None:
        """Move a recorded event to `stamp` if that is later (a call counts until its
        answer); an event not recorded stays unrecorded."""

    async def forget(self, logs: list[str], member: str) -> None:
        """Take a recorded event back (it turned out to cost nothing)."""

    async def count_since(self, log: str, since: int) -> int:
        """How many events of `log` are stamped after `since` (ms)."""

    async def count_up(self, key: str, ttl: float) -> int:
        """Add one to the counter under `key` and return it. A counter is forgotten `ttl`
        seconds after its first count (later counts do not extend it); it never exists
        without that expiry, even if the process dies mid-way."""

    async def counted(self, key: str) -> int:
        """The counter under `key`; 0 when absent or forgotten."""

    async def put(self, key: str, value: str, ttl: float) -> None:
        """Keep `value` under `key` for `ttl` seconds, replacing what was there."""

    async def get(self, key: str) -> str | None:
        """The value under `key`; None when absent or expired."""

    async def drop(self, key: str) -> None:
        """Forget `key` at once (a revocation: every process sees it at its next `get`)."""

    async def append(self, key: str, value: str, keep: int) -> None:
        """Add `value` to the list under `key`, keeping only its newest `keep` values."""

    async def recent(self, key: str) -> list[str]:
        """The list under `key`, newest first; empty when absent."""

    async def load(self, key: str) -> Entry | None:
        """The entry saved under `key`: its last good value (version 1, with its true fetch
        time) for `KEEP_VALUES` seconds after that fetch, and the last error saved after it
        for `error_ttl` seconds after that save; None if neither is left or it is
        unreadable (never trusted)."""

    async def save(self, key: str, entry: Entry, error_ttl: float) -> None:
        """Keep `entry`: with no error, its value (clearing any error); with an error, the
        error (and its `retry_at`) for `error_ttl` seconds, beside the stored value, which
        it never replaces. At most `max_entries` values are kept, the latest fetched."""

    async def lock(self, key: str, ttl: float, token: str | None = None) -> str | None:
        """A token if `key` was free (or its lock expired), holding it `ttl` seconds; None
        if another holds it. With the `token` that holds it, the hold is renewed for `ttl`
        seconds from now (a lease: the feed watcher's); a token that no longer holds it
        takes it back only if it is free."""

    async def unlock(self, key: str, token: str) -> None:
        """Free `key` if `token` still holds it (an expired lock may be someone else's)."""

    async def pressure(self) -> tuple[float, float]:
        """(refreshes paused until, all calls stopped until), as any process last heard;
        0.0 for a time that has passed."""

    async def record_pressure(self, paused_until: float, stopped_until: float, now: float) -> None:
        """Raise the two times: a later time replaces an earlier one, never the reverse."""

    async def aclose(self) -> None:
        """Release the connection; the data stays."""
