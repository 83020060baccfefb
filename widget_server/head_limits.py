"""uvicorn's httptools protocol (its fast one) with bounds on each request's head: a client
that sends its request line and headers slower than `head_seconds` (a trickle), or more
than `head_bytes` of them (one endless header line), is cut off, so it holds neither
memory nor a connection for long."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_SECONDS = 10.0
HEAD_BYTES = 16 * 1024
_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
              b"connection: close\r\n\r\n")


class GuardedHttpTools(HttpToolsProtocol):
    head_seconds = HEAD_SECONDS
    head_bytes = HEAD_BYTES

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_head, self._head_seen = True, 0
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head:  # still no end of the head after all that arrived
            self._head_seen += len(data)
            if self._head_seen > self.head_bytes and not self.transport.is_closing():
                self.transport.write(_TOO_LARGE)
                self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()  # a whole head arrived: the request is under way
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_head, self._head_seen = True, 0
        self._arm()  # the next request's head has the same bounds

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        if self._in_head:
            self.transport.close()
