"""groups.subscribeGroupToken: phase I sends a 4-character code by SMS and returns a
token; phase II checks token and code and subscribes the phone."""

from __future__ import annotations

import re
import secrets
import sqlite3
import string

from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.records import Call, Handler, Payload, find_group
from widget_server.phones import indian_mobile

CODE_ALPHABET = string.ascii_uppercase + string.digits
MAX_UNCONFIRMED = 5
MAX_ATTEMPTS = 5
PENDING_SECONDS = 24 * 3600.0
TOKEN = re.compile(r"[0-9a-f]{32}")


def _phone(call: Call) -> str:
    phone = indian_mobile(call.params.required("phone"))
    if phone is None:
        raise ApiError(2)
    return phone


def _group(call: Call, name: str) -> sqlite3.Row:
    group = find_group(call.conn(), name)
    if group is None:
        raise ApiError(1)
    if group["disabled"]:
        raise ApiError(3)
    if not group["public"]:
        raise ApiError(10)
    return group


def _is_member(conn: sqlite3.Connection, phone: str, group: sqlite3.Row) -> bool:
    return conn.execute("SELECT 1 FROM subscriptions WHERE group_id = ? AND phone = ?",
                        (group["id"], phone)).fetchone() is not None


def _check_not_member(conn: sqlite3.Connection, phone: str, group: sqlite3.Row) -> None:
    if _is_member(conn, phone, group):
        raise ApiError(8, phone, group["name"])


def phase_one(call: Call, phone: str) -> Payload:
    """A code by SMS, and its token. A member of the group gets the same answer, the same
    verification (with a code no one is told) and one SMS too, saying they are already
    subscribed: whoever asks learns nothing of who is a member, and pays the same for
    either (error 8 comes only from phase II, to whoever holds the right code)."""
    name = call.params.text("group")
    group = _group(call, name) if name is not None else None
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    token = secrets.token_hex(16)
    with call.service.db.write() as conn:
        pending = conn.execute("SELECT COUNT(*) FROM verifications WHERE phone = ? AND "
                               "status = 'pending' AND created > ?",
                               (phone, call.now - PENDING_SECONDS)).fetchone()[0]
        if pending >= MAX_UNCONFIRMED:
            raise ApiError(5, phone)
        call.charge_sms(conn)  # every check passed: the SMS goes
        member = group is not None and _is_member(conn, phone, group)
        conn.execute("INSERT INTO verifications (token, phone, group_id, code, created) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (token, phone, group["id"] if group else None, code, call.now))
        target = f" to {group['name']}" if group else ""
        text = (f"You already get {group['name']} on GupShup: no code is needed. Reply STOP "
                "to stop.") if member and group is not None \
            else f"Your GupShup code{target} is {code}. Reply STOP to stop."
        call.service.outbox.enqueue(conn, phone, text, "code")
    return {"token": token, "phone": phone, "group": group["name"] if group else None}


def phase_two(call: Call, phone: str) -> Payload:
    group = _group(call, call.params.required("group"))
    token = call.params.required("token").lower()
    # Any wrong string, of the right shape or not, is an invalid confirmation (7) and an
    # attempt: a shape check first would give guesses a free pass.
    confirm = call.params.required("confirm").upper()
    if not TOKEN.fullmatch(token):  # not a token at all; a well-formed unknown one is 6
        raise ApiError(110, "token", "32 hexadecimal digits")
    with call.service.db.write() as conn:
        row = conn.execute("SELECT * FROM verifications WHERE token = ? AND phone = ? AND "
                           "created > ?", (token, phone, call.now - PENDING_SECONDS)).fetchone()
        if row is None or row["group_id"] not in (None, group["id"]) \
                or row["status"] == "confirmed":
            raise ApiError(6)
        if row["attempts"] >= MAX_ATTEMPTS:
            raise ApiError(9)
        if not secrets.compare_digest(row["code"].encode(), confirm.encode()):
            conn.execute("UPDATE verifications SET attempts = attempts + 1 WHERE token = ?",
                         (token,))
            wrong = ApiError(7)
        else:
            _check_not_member(conn, phone, group)
            conn.execute("UPDATE verifications SET status = 'confirmed' WHERE token = ?",
                         (token,))
            conn.execute("INSERT INTO subscriptions VALUES (?, ?, ?)",
                         (group["id"], phone, call.now))
            return {"subscribed": True, "phone": phone, "group": group["name"]}
    raise wrong


def subscribe_group_token(call: Call) -> Payload:
    phone = _phone(call)
    if call.params.text("token") is None and call.params.text("confirm") is None:
        return phase_one(call, phone)
    return phase_two(call, phone)


METHODS: dict[str, Handler] = {"groups.subscribeGroupToken": subscribe_group_token}
