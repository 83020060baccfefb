"""Cache entries as JSON for the state store (never pickle: whoever can write to the store
must not be able to run code here)."""

from __future__ import annotations

import json
from typing import Any

from widget_server.entries import Entry
from widget_server.upstream import models
from widget_server.upstream.errors import ApiRefused, GroupNotFound, PrivateGroup, Unavailable

_REFUSALS: dict[str, type[ApiRefused]] = {
    cls.__name__: cls for cls in (ApiRefused, GroupNotFound, PrivateGroup)}


def encode(entry: Entry) -> str:
    value: dict[str, Any] | None = None
    if isinstance(entry.value, models.Group):
        value = {"kind": "group", "data": {"group": entry.value.as_json()}}
    elif isinstance(entry.value, models.Stream):
        stream = entry.value
        data: dict[str, Any] = {"messages": [m.as_json() for m in stream.messages]}
        if stream.total is not None:
            data["total"] = stream.total
        value = {"kind": "stream", "data": data}
    error: dict[str, Any] | None = None
    if isinstance(entry.error, ApiRefused) and type(entry.error).__name__ in _REFUSALS:
        error = {"kind": type(entry.error).__name__, "code": entry.error.code,
                 "message": entry.error.message}
    elif isinstance(entry.error, Unavailable):
        error = {"kind": "Unavailable", "message": str(entry.error)[:200]}
    return json.dumps({"value": value, "fetched": entry.fetched, "error": error,
                       "retry_at": entry.retry_at if error else 0.0})


def decode(raw: str | bytes) -> Entry | None:
    """An entry, or None for anything unreadable (treated as absent, not trusted)."""
    try:
        stored = json.loads(raw)
        value, error = stored.get("value"), stored.get("error")
        entry = Entry(fetched=float(stored["fetched"]), retry_at=float(stored["retry_at"]))
        if value:
            parse = models.group if value["kind"] == "group" else models.stream
            entry.value = parse(value["data"])
            entry.version = 1
        if error and error["kind"] == "Unavailable":
            entry.error = Unavailable(str(error["message"]))
        elif error:
            entry.error = _REFUSALS[error["kind"]](int(error["code"]), str(error["message"]))
        return entry
    except (ValueError, KeyError, TypeError, AttributeError, Unavailable):
        return None  # Unavailable: a stored value the models now refuse


def joined(value: str | bytes | None, failure: str | bytes | None) -> Entry | None:
    """The entry of a stored value and a stored failure, each of which may be absent: the
    value with the failure's error, or whichever there is."""
    entry = None if value is None else decode(value)
    failed = None if failure is None else decode(failure)
    if entry is None or failed is None:
        return entry or failed
    entry.error, entry.retry_at = failed.error, failed.retry_at
    return entry
