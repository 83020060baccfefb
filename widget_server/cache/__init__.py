"""The response cache between visitors and the upstream budget.

Fresh entries are served as they are. Stale ones are served at once while one refresh
runs (the scheduler's, in the app), if the budget allows. An entry this process does not
hold is first looked for in the state store, where every good value is kept with its true
fetch time: after a restart, or from another worker, it is served at once (stale if it must
be). Concurrent misses of a key share one upstream call. Errors are kept briefly; the last
good value is never replaced by one. How long an entry stays fresh stretches with the
number of keys visitors are looking at, so the budget is spread over them.

    Cache (core)          what views and the scheduler call
    ├── LocalEntries      this process's LRU, and single flight per key (local)
    ├── SharedEntries     entries, locks and renewals in the state store (shared)
    ├── RefreshQueue      refused misses and overdue keys, for the scheduler (queue)
    └── Fetcher           one upstream call for an entry, outages and errors (fetcher)
"""

from widget_server.cache.core import Cache
from widget_server.entries import Entry, Served

__all__ = ["Cache", "Entry", "Served"]
