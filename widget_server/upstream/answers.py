"""What an upstream answer says: its body read within a cap (gzip decoded as it arrives),
parsed from JSON or XML (without DTDs or entities), and turned into data or the project's
own error."""

from __future__ import annotations

import json
import zlib
from typing import Any

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from widget_server.upstream.errors import (
    ApiRefused,
    GroupNotFound,
    PrivateGroup,
    Throttled,
    Unavailable,
)

MAX_BODY = 1024 * 1024
# The docs name the subscription method both ways; an upstream may know only one.
SUBSCRIBE_NAMES = ("groups.subscribeGroupToken", "groups.subscribeToken")
_LISTS = {"messages", "groups", "replies", "results"}
Data = dict[str, Any]


async def bounded_body(response: httpx.Response) -> bytes:
    """The decoded body, read no further than one byte past the cap."""
    if response.is_stream_consumed:  # built in memory (MockTransport): nothing on a wire
        return response.content
    inflate = _Inflate.for_encoding(response.headers.get("content-encoding", ""))
    body, received = bytearray(), 0
    async for chunk in response.aiter_raw():  # decoded here, within the cap
        received += len(chunk)
        body += inflate.feed(chunk, MAX_BODY + 1 - len(body))
        if len(body) > MAX_BODY or received > MAX_BODY:
            break
    return bytes(body)


class _Inflate:
    """Decodes a body as it arrives, never producing more than the room left: a few KB of
    gzip cannot become a gigabyte here. Only what was asked for (gzip, or none) is taken;
    a stacked or unknown encoding is refused."""

    def __init__(self, decoder: Any) -> None:
        self._decoder = decoder

    @classmethod
    def for_encoding(cls, header: str) -> _Inflate:
        encoding = header.strip().lower()
        if encoding in ("", "identity"):
            return cls(None)
        if encoding in ("gzip", "x-gzip", "deflate"):  # 32 + MAX_WBITS: gzip or zlib header
            return cls(zlib.decompressobj(32 + zlib.MAX_WBITS))
        raise Unavailable(f"upstream body in an encoding not asked for: {encoding[:40]!r}")

    def feed(self, chunk: bytes, room: int) -> bytes:
        if self._decoder is None:
            return chunk
        try:
            out: bytes = self._decoder.decompress(chunk, max(1, room))
        except zlib.error:
            raise Unavailable("upstream body is not valid gzip") from None
        if self._decoder.unconsumed_tail:
            raise Unavailable("upstream body too large")  # more output than the cap
        return out


def parse_body(raw: bytes, content_type: str) -> Data:
    """The `response` object of a JSON or XML body (XML without DTDs or entities)."""
    try:
        if raw.lstrip()[:1] == b"<" or "xml" in content_type:
            return _from_xml(raw)
        body = json.loads(raw)
    except (ValueError, DefusedXmlException, SyntaxError, RecursionError) as error:
        raise Unavailable(f"upstream body unreadable: {type(error).__name__}") from None
    response = body.get("response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        raise Unavailable("upstream body has no response object")
    return response


def _from_xml(raw: bytes) -> Data:
    root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    if root.tag != "response":
        raise Unavailable("upstream XML has no response root")
    value = _xml_value(root)
    return value if isinstance(value, dict) else {}


def _xml_value(element: Any) -> Any:
    """Elements as docs/protocol/wire.md writes them; attributes read as child elements too
    (an upstream ignoring `format=json` may put data or error codes there)."""
    children = list(element)
    if element.tag in _LISTS:
        return [_xml_value(c) for c in children]
    if not children and not element.attrib:
        return element.text or ""
    return {**element.attrib, **{c.tag: _xml_value(c) for c in children}}


def error_code(body: Data) -> object:
    error = body.get("error")
    return error.get("code") if isinstance(error, dict) else None


def checked(method: str, body: Data) -> None:
    status = body.get("status")
    if status == "success":
        return
    error = body.get("error")
    if status != "error" or not isinstance(error, dict):
        raise Unavailable(f"{method}: upstream body has no status")
    try:
        code = int(error.get("code", 0))
    except (TypeError, ValueError):
        raise Unavailable(f"{method}: upstream error without a code") from None
    message = str(error.get("msg", ""))[:500]
    if code == 129:  # "resubmit after some time": a passing fault, not the key's answer
        raise Unavailable(f"{method}: upstream internal error (129)")
    raise _refusal(method, code, message, body)


def _refusal(method: str, code: int, message: str, body: Data) -> ApiRefused:
    if code == 113:
        return Throttled(code, message)
    subscribing = method in SUBSCRIBE_NAMES
    if code == 112 or (subscribing and code == 10):
        return PrivateGroup(code, message)
    if (code == 2 and not subscribing) or (code == 1 and subscribing):
        return GroupNotFound(code, message)
    return ApiRefused(code, message, body)
