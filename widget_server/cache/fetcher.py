"""One upstream call for one entry, and what its outcome does to the entry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from widget_server.clock import Clock
from widget_server.entries import Entry, Fetch
from widget_server.metrics import Metrics
from widget_server.outage import Outage
from widget_server.upstream.errors import (
    ApiRefused,
    BudgetExhausted,
    SiteTrouble,
    TooManyMisses,
    Unavailable,
    UpstreamError,
)

log = logging.getLogger("widget_server.cache")
UNAVAILABLE_RETRY = 10.0


class Fetcher:
    """Calls the upstream for an entry unless an outage says to wait; errors are kept
    `error_ttl` seconds (refusals) or `UNAVAILABLE_RETRY` (failures), never over the last
    good value. `recovered` is told when the upstream answers again after an outage."""

    def __init__(self, clock: Clock, metrics: Metrics, error_ttl: float,
                 recovered: Callable[[], None]) -> None:
        self._clock = clock
        self._metrics = metrics
        self.error_ttl = error_ttl
        self.outage = Outage(clock)
        self._recovered = recovered

    async def fetch(self, key: str, entry: Entry, fetch: Fetch) -> bool:
        """Fetch into `entry`; False if no call was made (an outage's pause, no budget)."""
        wait = self.outage.wait()
        if wait is not None:
            self.fail(entry, Unavailable("the upstream is failing"), wait)
            return False
        try:
            value = await fetch()
        except (BudgetExhausted, TooManyMisses) as error:
            self.outage.no_call()
            self.fail(entry, error, error.retry_after)
            return False
        except SiteTrouble as error:  # ours, not the upstream's: no outage, no probe
            self.outage.no_call()
            self.store_failed(entry, error)
            return False
        except ApiRefused as error:
            self._answered()
            self.fail(entry, error, self.error_ttl)
        except Unavailable as error:
            log.warning("upstream unavailable for %s: %s", key, error)
            self.outage.failed()
            self.fail(entry, error, UNAVAILABLE_RETRY)
        except Exception as error:  # a bug must not leave waiters hanging or kill the loop
            log.exception("refresh of %s failed", key)
            self.outage.failed()
            self.fail(entry, Unavailable(type(error).__name__), UNAVAILABLE_RETRY)
        else:
            self._answered()
            if entry.version:
                changed = "yes" if value != entry.value else "no"
                self._metrics.refreshes.labels(changed=changed).inc()
            entry.took(value, self._clock())
        return True

    async def value(self, key: str, fetch: Fetch) -> Any:
        """One call that fills no entry (the feed's pages), under the same rules: no call
        in an outage but its probe; its error raised."""
        entry = Entry()
        await self.fetch(key, entry, fetch)
        if entry.error is not None:
            raise entry.error.copy()
        return entry.value

    def store_failed(self, entry: Entry, error: SiteTrouble) -> None:
        """The state store failed under this fetch: counted, and said as what it is."""
        self._metrics.store_failures.inc()
        self.fail(entry, error, UNAVAILABLE_RETRY)

    def fail(self, entry: Entry, error: UpstreamError, retry_in: float) -> None:
        entry.failed(error, self._clock() + retry_in)

    def _answered(self) -> None:
        if self.outage.answered():
            self._recovered()
