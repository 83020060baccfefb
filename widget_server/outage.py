"""While the upstream is failing, one probe at a time instead of every key retrying on its
own: the failed calls of an outage would otherwise fill the budget's minute, and data would
stay stale for a minute after the upstream is back. When a probe succeeds, every key that
failed goes first in the scheduler's line."""

from __future__ import annotations

import logging

from widget_server.clock import Clock

log = logging.getLogger("widget_server.upstream")
PROBE_EVERY = 10.0


class Outage:
    def __init__(self, clock: Clock, probe_every: float = PROBE_EVERY) -> None:
        self._clock = clock
        self._every = probe_every
        self._down = False
        self._probing = False
        self._next_probe = 0.0

    @property
    def down(self) -> bool:
        """The upstream is failing: only probes go out."""
        return self._down

    def wait(self) -> float | None:
        """None: call the upstream (all is well, or this call is the probe); else the
        seconds until the next probe."""
        if not self._down:
            return None
        now = self._clock()
        if self._probing or now < self._next_probe:
            return max(1.0, self._next_probe - now)
        self._probing, self._next_probe = True, now + self._every
        return None

    def failed(self) -> None:
        if not self._down:
            log.warning("the upstream is failing: one probe every %.0f s until it answers",
                        self._every)
            self._down, self._next_probe = True, self._clock() + self._every
        self._probing = False

    def answered(self) -> bool:
        """The upstream answered (with data or a refusal): True if that ends an outage."""
        ended, self._down, self._probing = self._down, False, False
        if ended:
            log.warning("the upstream answers again")
        return ended

    def no_call(self) -> None:
        """The probe was not made (no budget): another call may probe."""
        self._probing = False
