"""A transport that notes when each upstream call was made, on the benchmark's clock: the
benchmarks' counting proxy."""

from __future__ import annotations

from bisect import bisect_right

import httpx

from widget_server.clock import ManualClock


class Calls(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ManualClock) -> None:
        self.inner, self.clock, self.times = inner, clock, list[float]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(self.clock())
        return await self.inner.handle_async_request(request)

    def busiest(self, seconds: float = 60.0) -> int:
        """The most calls in any window of `seconds`."""
        return max((i + 1 - bisect_right(self.times, t - seconds)
                    for i, t in enumerate(self.times)), default=0)
