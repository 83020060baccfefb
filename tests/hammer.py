"""Several processes taking from one SQLite sliding-window log as fast as they can: the
store's own `take`, or PyrateLimiter's SQLiteBucket with its file lock. Each process returns
the times (ms) it was admitted at; together they must never exceed a limit in any window.
Used by the cross-process test and by `benchmarks/state_budget.py`."""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
import time
from bisect import bisect_right
from pathlib import Path

from widget_server.state.sqlite import SqliteState

Limits = list[tuple[int, int]]  # (count, window in ms)


def most_in_any_window(stamps: list[int], length: int) -> int:
    """The most events any window (t - length, t] held, as the store counts."""
    return max((i + 1 - bisect_right(stamps, t - length) for i, t in enumerate(stamps)),
               default=0)


def within(stamps: list[int], limits: Limits) -> bool:
    ordered = sorted(stamps)
    return all(most_in_any_window(ordered, length) <= count for count, length in limits)


def own(path: str, limits: Limits, seconds: float) -> tuple[list[int], int]:
    """(admitted stamps, attempts) with the state store's take."""
    async def run() -> tuple[list[int], int]:
        store = SqliteState(Path(path), time.time)
        windows = [(length, [count]) for count, length in sorted(limits, key=lambda c: c[1])]
        admitted, attempts, end = [], 0, time.monotonic() + seconds
        while time.monotonic() < end:
            stamp = int(time.time() * 1000)
            attempts += 1
            if await store.take(["hammer"], windows, stamp, secrets.token_hex(8)) is None:
                admitted.append(stamp)
        await store.aclose()
        return admitted, attempts
    return asyncio.run(run())


def pyrate(path: str, limits: Limits, seconds: float) -> tuple[list[int], int]:
    """(admitted stamps, attempts) with PyrateLimiter's SQLiteBucket and its file lock."""
    from pyrate_limiter import Rate, RateItem, SQLiteBucket

    rates = [Rate(count, length) for count, length in sorted(limits, key=lambda c: c[1])]
    bucket = SQLiteBucket.init_from_file(rates, db_path=path, use_file_lock=True)
    admitted, attempts, end = [], 0, time.monotonic() + seconds
    while time.monotonic() < end:
        stamp = int(time.time() * 1000)
        attempts += 1
        if bucket.put(RateItem("hammer", stamp)):
            admitted.append(stamp)
    bucket.close()  # type: ignore[no-untyped-call]
    return admitted, attempts


def hammer(kind: str, path: Path, limits: Limits, processes: int,
           seconds: float) -> tuple[list[int], int]:
    """Run `processes` processes of `kind` ("own" or "pyrate") on one file at once."""
    work = own if kind == "own" else pyrate
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(work, [(str(path), limits, seconds)] * processes)
    return [s for stamps, _ in results for s in stamps], sum(n for _, n in results)
