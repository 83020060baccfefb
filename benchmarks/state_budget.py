"""Several processes taking from one SQLite sliding-window log at once: the state store's
own `take` against PyrateLimiter's SQLiteBucket with its file lock, in the same run.

    python -m benchmarks.state_budget [--processes 4] [--seconds 3]

For each: takes a second (all processes together), events admitted, and the worst window:
the most admitted in any sliding window ÷ its limit (correct means <= 1.0).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from bisect import bisect_right
from pathlib import Path

from tests.hammer import Limits, hammer


def _worst(stamps: list[int], limits: Limits) -> float:
    ordered = sorted(stamps)
    return max(max((i + 1 - bisect_right(ordered, t - length) for i, t in enumerate(ordered)),
                   default=0) / count for count, length in limits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    limits: Limits = [(20, 1000), (50, 5000)]  # the budget's shape, scaled down in time
    result = {}
    for kind in ("own", "pyrate"):
        with tempfile.TemporaryDirectory() as tmp:
            stamps, attempts = hammer(kind, Path(tmp) / "log.sqlite3", limits,
                                      args.processes, args.seconds)
        result[kind] = {"takes_per_s": round(attempts / args.seconds),
                        "admitted": len(stamps), "worst_window": round(_worst(stamps, limits), 2)}
    result["own_takes_over_pyrate"] = round(
        result["own"]["takes_per_s"] / max(1, result["pyrate"]["takes_per_s"]), 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
