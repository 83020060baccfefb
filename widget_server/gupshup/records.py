"""What the methods share: the call context, lookups, and the wire objects of
docs/protocol/wire.md."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from widget_server.clock import Clock, iso8601
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.limits import SmsLimit
from widget_server.gupshup.params import Params
from widget_server.gupshup.store import Database
from widget_server.protocol import CONTROL, GROUP_NAME, MAX_TEXT
from widget_server.sms.outbox import Outbox

SESSION_SECONDS = 24 * 3600.0
Payload = dict[str, Any]


@dataclass(frozen=True)
class Service:
    db: Database
    outbox: Outbox
    clock: Clock
    sms: SmsLimit


@dataclass(frozen=True)
class Call:
    service: Service
    params: Params
    method: str
    method_name: str
    # The calling address; `trusted` for the widget servers (the embedding one, and
    # WIDGET_GUPSHUP_CLIENTS) that limit their own visitors.
    client: str = ""
    trusted: bool = True

    @property
    def now(self) -> float:
        return self.service.clock()

    def charge_sms(self, conn: sqlite3.Connection, count: int = 1) -> None:
        """SMS this call is about to queue in `conn`'s transaction, against its caller's
        allowance (a trusted widget server limits its own visitors)."""
        if not self.trusted:
            self.service.sms.take(self.client, count, conn)

    def conn(self) -> sqlite3.Connection:
        return self.service.db.connection()


Handler = Callable[[Call], Payload]


def find_group(conn: sqlite3.Connection, name: str | None) -> sqlite3.Row | None:
    if name is None or not GROUP_NAME.fullmatch(name):
        return None
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM groups WHERE name = ?", (name,)).fetchone()
    return row


def require_group(call: Call, param: str, code: int) -> sqlite3.Row:
    """The named group, or ApiError(109) when absent and `code` when unknown."""
    group = find_group(call.conn(), call.params.required(param))
    if group is None:
        raise ApiError(code)
    return group


def user_for_token(call: Call, code: int, *, required: bool = True) -> sqlite3.Row | None:
    token = call.params.required("token") if required else call.params.text("token")
    if token is None:
        return None
    row: sqlite3.Row | None = call.conn().execute(
        "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id "
        "WHERE sessions.token = ? AND sessions.expires > ?", (token, call.now)).fetchone()
    if row is None:
        raise ApiError(code)
    return row


def group_object(conn: sqlite3.Connection, group: sqlite3.Row) -> Payload:
    members = conn.execute("SELECT COUNT(*) FROM subscriptions WHERE group_id = ?",
                           (group["id"],)).fetchone()[0]
    posts, last = conn.execute("SELECT COUNT(*), MAX(time) FROM messages WHERE group_id = ?",
                               (group["id"],)).fetchone()
    return {
        "name": group["name"], "title": group["title"], "description": group["description"],
        "public": bool(group["public"]), "members": members, "posts": posts,
        "created": iso8601(group["created"]), "lastPost": iso8601(last) if last else None,
        # Beyond docs/protocol/wire.md, and only when true: a client can tell why
        # subscribing fails (3).
        "disabled": True if group["disabled"] else None,
    }


def message_object(row: sqlite3.Row, *, adult: bool = False) -> Payload:
    obj: Payload = {"id": str(row["id"]), "group": row["group_name"], "text": row["text"],
                    "time": iso8601(row["time"])}
    if adult:
        obj["adult"] = bool(row["adult"])
    return obj


MESSAGE_SELECT = ("SELECT messages.*, groups.name AS group_name, groups.adult AS adult "
                  "FROM messages JOIN groups ON groups.id = messages.group_id ")




def ascii_text(text: str, limit: int = MAX_TEXT) -> str:
    """Checks shared by posts and replies: printable ASCII only (125: control characters
    are no more text than non-ASCII ones), at most `limit` long (126)."""
    if not text.isascii() or CONTROL.search(text):
        raise ApiError(125)
    if len(text) > limit:
        raise ApiError(126, limit)
    return text
