"""The read methods a widget uses: the public stream, a group's stream, info and last message."""

from __future__ import annotations

import sqlite3

from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.records import (
    MESSAGE_SELECT,
    Call,
    Handler,
    Payload,
    group_object,
    message_object,
    require_group,
)

MAX_RANGE = 15


def _readable_group(call: Call) -> sqlite3.Row:
    group = require_group(call, "group", 2)
    if not group["public"]:
        raise ApiError(112, call.method_name)
    return group


def get_public_stream(call: Call) -> Payload:
    start = call.params.offset()
    count = call.params.integer("range", MAX_RANGE, 1, MAX_RANGE, ApiError(1))
    skip_adult = call.params.boolean("skipAdult", True)
    adult_filter = "AND groups.adult = 0 " if skip_adult else ""
    rows = call.conn().execute(
        MESSAGE_SELECT + "WHERE groups.public = 1 AND groups.disabled = 0 " + adult_filter
        + "ORDER BY messages.time DESC, messages.id DESC LIMIT ? OFFSET ?", (count, start))
    return {"from": start, "range": count,
            "messages": [message_object(r, adult=True) for r in rows]}


def get_stream(call: Call) -> Payload:
    group = _readable_group(call)
    start = call.params.offset()
    count = call.params.integer("range", MAX_RANGE, 1, MAX_RANGE, ApiError(3))
    conn = call.conn()
    total = conn.execute("SELECT COUNT(*) FROM messages WHERE group_id = ?",
                         (group["id"],)).fetchone()[0]
    rows = conn.execute(MESSAGE_SELECT + "WHERE messages.group_id = ? "
                        "ORDER BY messages.time DESC, messages.id DESC LIMIT ? OFFSET ?",
                        (group["id"], count, start))
    return {"group": group["name"], "from": start, "range": count, "total": total,
            "messages": [message_object(r) for r in rows]}


def get_message(call: Call) -> Payload:
    group = require_group(call, "group", 2)
    if not group["public"]:
        # getMessage documents no 112: a private group is, to it, not a valid group.
        raise ApiError(2)
    row = call.conn().execute(MESSAGE_SELECT + "WHERE messages.group_id = ? "
                              "ORDER BY messages.time DESC, messages.id DESC LIMIT 1",
                              (group["id"],)).fetchone()
    return {"message": message_object(row) if row else None}


def get_info(call: Call) -> Payload:
    group = _readable_group(call)
    return {"group": group_object(call.conn(), group)}


METHODS: dict[str, Handler] = {
    "gupshup.getPublicStream": get_public_stream,
    "groups.getStream": get_stream,
    "groups.getMessage": get_message,
    "groups.getInfo": get_info,
}
