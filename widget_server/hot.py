"""The hot path: a popular widget is asked for many times a second, and its answer only
changes when its data does. This ASGI middleware keeps, for a second, each `GET` answer
the views marked publicly cacheable (`Cache-Control: public`, 200, no cookie), and replays
it, or a 304, without routing, parsing or rendering anything.

A second is far below any data's freshness, so visitors see nothing older than the
cache's own rules allow, give or take that second.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cachetools import LRUCache
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from widget_server.clock import Clock
from widget_server.http import etag_matches
from widget_server.i18n import negotiate

# Response headers a 304 must not carry (RFC 9110 15.4.5 keeps the validators and
# caching headers, and there is no body to describe).
_NOT_IN_304 = frozenset({b"content-length", b"content-type", b"content-encoding"})
Key = tuple[str, bytes, str, bytes, bool, bool, str]
_EMPTY: Message = {"type": "http.response.body", "body": b""}


@functools.lru_cache(maxsize=1024)  # browsers send few distinct headers: parse each once
def _reader_lang(accept: bytes) -> str:
    return negotiate(None, accept.decode("latin-1"))


@dataclass(frozen=True, slots=True)
class _Hot:
    expires: float
    start: Message
    body: Message
    etag: str

    def not_modified(self) -> Message:
        return {"type": "http.response.start", "status": 304, "headers": [
            (k, v) for k, v in self.start["headers"] if k not in _NOT_IN_304]}


class HotCache:
    def __init__(self, app: ASGIApp, *, clock: Clock, ttl: float, hits: Counter,
                 max_bytes: int = 2 * 1024 * 1024) -> None:
        self.app = app
        self._clock = clock
        self._ttl = ttl
        self._hits = hits
        self._entries: LRUCache[Key, _Hot] = LRUCache(
            max_bytes, getsizeof=lambda hot: len(hot.body.get("body", b"")) + 500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or self._ttl <= 0:
            await self.app(scope, receive, send)
            return
        host, gzip, origin, etags, langs = b"", False, False, b"", ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"accept-encoding":
                gzip = b"gzip" in value
            elif name == b"origin":
                origin = True  # CORS headers differ with and without one
            elif name == b"if-none-match":
                etags = value
            elif name == b"accept-language":
                # A widget left to its reader speaks the reader's language: the variant is
                # that language (one of a dozen), not the header's many spellings.
                langs = _reader_lang(value[:200])
        key: Key = (scope["scheme"], host, scope["path"], scope["query_string"], gzip, origin,
                    langs)
        hot = self._entries.get(key)
        if hot is not None and hot.expires > self._clock():
            self._hits.inc()
            if etags and etag_matches(etags.decode("latin-1"), hot.etag):
                await send(hot.not_modified())
                await send(_EMPTY)
                return
            await send(hot.start)
            await send(hot.body)
            return
        await self.app(scope, receive, self._keeper(key, send))

    def _keeper(self, key: Key, send: Send) -> Send:
        start: Message = {}

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start:
                self._keep(key, start, message)
            await send(message)
        return keep

    def _keep(self, key: Key, start: Message, body: Message) -> None:
        if start["status"] != 200 or body.get("more_body", False):
            return
        headers = dict(start["headers"])
        control = headers.get(b"cache-control", b"")
        if not control.startswith(b"public") or b"max-age=0" in control or \
                b"set-cookie" in headers or b"etag" not in headers:
            return  # private, stale (soon replaced by its refresh), or not validatable
        self._entries[key] = _Hot(self._clock() + self._ttl, start, body,
                                  headers[b"etag"].decode("latin-1"))
