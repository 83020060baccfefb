"""Response bodies made once and sent many times: bytes, a strong ETag and, for larger
ones, a gzip copy made on first demand, so a cached request does no encoding work."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Hashable
from hashlib import blake2b
from typing import Generic, TypeVar

from cachetools import LRUCache
from starlette.requests import Request
from starlette.responses import Response

from widget_server.http import if_none_match

GZIP_FROM = 1024  # smaller bodies fit one packet either way


class Body:
    __slots__ = ("_gzip", "data", "etag")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.etag = '"' + blake2b(data, digest_size=12).hexdigest() + '"'
        self._gzip: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzip is None:
            self._gzip = gzip.compress(self.data, compresslevel=6, mtime=0)
        return self._gzip


def body_size(body: Body) -> int:
    # The bytes, a gzip copy if asked for (about a third), the object, its key, its ETag.
    return len(body.data) * 4 // 3 + 200


B = TypeVar("B", bound=Body)


class BodyCache(Generic[B]):
    """Bodies by key (the data version and every option that shapes the body), at most
    `max_bytes` of them: memory stays bounded however many keys are in use."""

    def __init__(self, max_bytes: int) -> None:
        self._bodies: LRUCache[Hashable, B] = LRUCache(max_bytes, getsizeof=body_size)

    def get(self, key: Hashable, build: Callable[[], B]) -> B:
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = build()
        return body

    def __len__(self) -> int:
        return len(self._bodies)


def send_body(request: Request, body: Body, media_type: str, headers: dict[str, str],
              status: int = 200) -> Response:
    """`body` (gzipped when the client takes it), or 304 when the client has it."""
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    headers = {**headers, "ETag": body.etag,
               "Vary": ", ".join(dict.fromkeys([*vary, "Accept-Encoding"]))}
    if status == 200 and if_none_match(request, body.etag):
        return Response(status_code=304, headers=headers)
    data = body.data
    if len(data) >= GZIP_FROM and "gzip" in request.headers.get("accept-encoding", ""):
        data = body.gzipped()
        headers["Content-Encoding"] = "gzip"
    return Response(data, status, headers=headers, media_type=media_type)
