"""Writing to groups: posts (sent by SMS to subscribers), replies across groups, invites."""

from __future__ import annotations

import re
import sqlite3

from widget_server.clock import iso8601
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.records import (
    Call,
    Handler,
    Payload,
    ascii_text,
    find_group,
    user_for_token,
)
from widget_server.phones import indian_mobile

POSTS_PER_MINUTE = 10
REPLY_RANGE = 30
MAX_INVITES = 50
INVITE_COOLDOWN = 24 * 3600.0
_MENTION = re.compile(r"@([A-Za-z0-9_-]+)")


def _owned_group(call: Call, user: sqlite3.Row, *, required: bool) -> sqlite3.Row:
    """The user's group named by `groupName`, or their first group when it may be left out."""
    conn = call.conn()
    name = call.params.required("groupName") if required else call.params.text("groupName")
    group: sqlite3.Row | None
    if name is None:
        group = conn.execute("SELECT * FROM groups WHERE owner_id = ? ORDER BY id LIMIT 1",
                             (user["id"],)).fetchone()
    else:
        group = find_group(conn, name)
    if group is None or group["owner_id"] != user["id"]:
        raise ApiError(1)
    if group["disabled"]:
        raise ApiError(124)
    return group


def post_message(call: Call) -> Payload:
    user = user_for_token(call, 6)
    assert user is not None
    group = _owned_group(call, user, required=True)
    text = ascii_text(call.params.required("text"))
    with call.service.db.write() as conn:
        recent = conn.execute("SELECT COUNT(*) FROM messages WHERE user_id = ? AND time > ?",
                              (user["id"], call.now - 60)).fetchone()[0]
        if recent >= POSTS_PER_MINUTE:
            raise ApiError(127, extra={"throttle": {
                "window": "minute", "count": recent, "warn": POSTS_PER_MINUTE,
                "limit": POSTS_PER_MINUTE}})
        last = conn.execute("SELECT text FROM messages WHERE group_id = ? AND user_id = ? "
                            "ORDER BY time DESC, id DESC LIMIT 1",
                            (group["id"], user["id"])).fetchone()
        if last is not None and last["text"] == text:
            raise ApiError(128)
        cur = conn.execute("INSERT INTO messages (group_id, user_id, text, time) "
                           "VALUES (?, ?, ?, ?)", (group["id"], user["id"], text, call.now))
        phones = conn.execute("SELECT phone FROM subscriptions WHERE group_id = ?",
                              (group["id"],)).fetchall()
        for row in phones:
            call.service.outbox.enqueue(conn, row["phone"], text, "post")
    return {"message": {"id": str(cur.lastrowid), "group": group["name"], "text": text,
                        "time": iso8601(call.now)}}


def _reply_error(user: sqlite3.Row, group: sqlite3.Row | None) -> int | None:
    if group is None:
        return 1
    if group["disabled"]:
        return 124
    if not group["public"] and group["owner_id"] != user["id"]:
        return 155
    return None


def _reply_to(call: Call, conn: sqlite3.Connection, user: sqlite3.Row, source: sqlite3.Row,
              name: str, text: str) -> Payload:
    group = find_group(conn, name)
    code = _reply_error(user, group)
    if code is not None or group is None:
        return {"group": name, "status": "error", "code": code,
                "msg": ApiError(code or 1).message(call.method)}
    cur = conn.execute("INSERT INTO replies (group_id, from_group_id, user_id, text, time) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (group["id"], source["id"], user["id"], text, call.now))
    return {"group": group["name"], "status": "success", "id": str(cur.lastrowid)}


def post_reply(call: Call) -> Payload:
    user = user_for_token(call, 6)
    assert user is not None
    source = _owned_group(call, user, required=False)
    raw = call.params.text("text")
    if raw is None:
        raise ApiError(156)
    text = ascii_text(raw)
    names = list(dict.fromkeys(n.lower() for n in _MENTION.findall(text)))
    if not names:
        raise ApiError(1)
    with call.service.db.write() as conn:
        last = conn.execute("SELECT text FROM replies WHERE user_id = ? ORDER BY time DESC, "
                            "id DESC LIMIT 1", (user["id"],)).fetchone()
        if last is not None and last["text"] == text:
            raise ApiError(128)  # a client retrying a partial success must not post twice
        results = [_reply_to(call, conn, user, source, n, text) for n in names]
    return _outcome(results, partial=157)


def _outcome(results: list[Payload], partial: int, failed: int | None = None) -> Payload:
    """All done: success. Some done: the partial-success code. None: the first failure.
    Either error carries every item's own status, and counts of what was done and not."""
    errors = [r for r in results if r["status"] == "error"]
    if not errors:
        return {"results": results}
    tally = {"done": len(results) - len(errors), "failed": len(errors), "results": results}
    if len(errors) < len(results):
        raise ApiError(partial, extra=tally)
    raise ApiError(failed or int(errors[0]["code"]), extra=tally)


def get_replies(call: Call) -> Payload:
    group = find_group(call.conn(), call.params.required("groupName"))
    if group is None:
        raise ApiError(1)
    get_all = call.params.boolean("getAll", False)
    user = user_for_token(call, 153, required=get_all)
    is_owner = user is not None and user["id"] == group["owner_id"]
    if not group["public"] and not is_owner:
        raise ApiError(155)
    if get_all and not is_owner:
        raise ApiError(154)
    count = call.params.integer("range", 15, 1, REPLY_RANGE, ApiError(131, REPLY_RANGE),
                                own_code=True)
    start = call.params.offset(ApiError(150), own_code=True)
    hidden = "" if get_all else "AND replies.hidden = 0 "
    rows = call.conn().execute(
        "SELECT replies.*, src.name AS from_name FROM replies JOIN groups src ON "
        "src.id = replies.from_group_id WHERE replies.group_id = ? " + hidden
        + "ORDER BY replies.time DESC, replies.id DESC LIMIT ? OFFSET ?",
        (group["id"], count, start))
    replies = [{"id": str(r["id"]), "group": group["name"], "from": r["from_name"],
                "text": r["text"], "time": iso8601(r["time"]),
                "hidden": bool(r["hidden"]) if get_all else None} for r in rows]
    return {"group": group["name"], "from": start, "range": count, "replies": replies}


def _invite(call: Call, conn: sqlite3.Connection, group: sqlite3.Row, phone: str) -> Payload:
    member = conn.execute("SELECT 1 FROM subscriptions WHERE group_id = ? AND phone = ?",
                          (group["id"], phone)).fetchone()
    recent = conn.execute("SELECT 1 FROM invites WHERE group_id = ? AND phone = ? AND "
                          "created > ?", (group["id"], phone, call.now - INVITE_COOLDOWN)
                          ).fetchone()
    if member or recent:
        return {"phone": phone, "status": "error",
                "reason": "already a member" if member else "already invited today"}
    try:
        call.charge_sms(conn)
    except ApiError as refused:  # this number only: the others were (or are) invited
        return {"phone": phone, "status": "error", "reason": refused.message(call.method)}
    conn.execute("INSERT INTO invites VALUES (?, ?, ?)", (group["id"], phone, call.now))
    call.service.outbox.enqueue(conn, phone, f"You are invited to the GupShup group "
                                f"{group['name']}: {group['title']}", "invite")
    return {"phone": phone, "status": "success"}


def invite_friends(call: Call) -> Payload:
    user = user_for_token(call, 6)
    assert user is not None
    group = _owned_group(call, user, required=False)
    raw = [p.strip() for p in call.params.required("phoneNumbers").split(",") if p.strip()]
    if len(raw) > MAX_INVITES:
        raise ApiError(111, "phoneNumbers", f"{MAX_INVITES} numbers")
    phones = [indian_mobile(p) for p in raw]
    if not raw or None in phones:
        raise ApiError(161)
    with call.service.db.write() as conn:
        results = [_invite(call, conn, group, p) for p in dict.fromkeys(phones) if p]
    return _outcome(results, partial=162, failed=163)


METHODS: dict[str, Handler] = {
    "groups.postMessage": post_message,
    "groups.postReply": post_reply,
    "groups.getReplies": get_replies,
    "groups.inviteFriends": invite_friends,
}
