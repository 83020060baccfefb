"""Users: the challenge login of docs/protocol/wire.md, sessions, and the lists of a
user's groups."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.limits import StoredWindows
from widget_server.gupshup.params import MAX_INT
from widget_server.gupshup.records import (
    MESSAGE_SELECT,
    SESSION_SECONDS,
    Call,
    Handler,
    Payload,
    group_object,
    message_object,
    user_for_token,
)
from widget_server.phones import indian_mobile
from widget_server.protocol import b64md5

CHALLENGE_SECONDS = 300.0
JOINED_RANGE = 30


def _rand_matches(secret: str, challenge: str, rand: str) -> bool:
    """docs/protocol/wire.md's reading (base64 of raw md5 digests) or the docs' plain one
    a client may write from them alone, md5 hex digests:
    md5hex(md5hex(password + salt) + challenge). One is 24 characters of base64, the other
    32 of hex: they cannot be mistaken."""
    inner_hex = base64.b64decode(secret).hex()
    readings = (b64md5((secret + challenge).encode()),
                hashlib.md5((inner_hex + challenge).encode()).hexdigest())
    given = rand.strip().encode()
    return any(hmac.compare_digest(r.encode(), given) for r in readings)


def get_challenge(call: Call) -> Payload:
    challenge = secrets.token_urlsafe(12)
    with call.service.db.write() as conn:
        conn.execute("DELETE FROM challenges WHERE created < ?", (call.now - CHALLENGE_SECONDS,))
        conn.execute("INSERT INTO challenges VALUES (?, ?)", (challenge, call.now))
        salt = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
    return {"salt": salt, "challenge": challenge}


class Guesses:
    """Password guesses per account, as the console limits them (`console.rules`): five
    wrong ones from one address for one number in 15 minutes stop that address (the right
    password too: 121, as for a wrong one, so the answer says nothing); past 30 an hour for
    one number, every address that has failed for it is stopped, one that has not still
    gets its try. Widget servers (which limit their own visitors) are not counted."""

    PAIR = ((900.0, 5), (3600.0, 2**31))  # the second window: "has failed lately"
    NUMBER = ((3600.0, 30),)

    def __init__(self, call: Call, phone: str) -> None:
        db, clock = call.service.db, call.service.clock
        self._on = not call.trusted
        self._pair_key, self._phone = f"{phone}|{call.client}", phone
        self._pair = StoredWindows(db, clock, "login-pair", self.PAIR)
        self._number = StoredWindows(db, clock, "login-phone", self.NUMBER)

    def refused(self) -> bool:
        if not self._on:
            return False
        recent, lately = self._pair.current(self._pair_key)
        if recent >= self.PAIR[0][1]:
            return True
        return lately > 0 and self._number.current(self._phone)[0] >= self.NUMBER[0][1]

    def wrong(self) -> None:
        if self._on:
            self._pair.take(self._pair_key, enforce=False)
            self._number.take(self._phone, enforce=False)


def login(call: Call) -> Payload:
    p = call.params
    phone_text = p.required("phone", "phone number")
    country = p.required("countryCode", "country code")
    challenge = p.required("challenge")
    rand = p.required("rand")
    if country.lstrip("+") != "91":
        raise ApiError(120)
    phone = indian_mobile(phone_text)
    if phone is None:
        raise ApiError(2)
    with call.service.db.write() as conn:
        # A challenge is good once, whatever the outcome: consumed in its own transaction.
        used = conn.execute("DELETE FROM challenges WHERE challenge = ? AND created >= ?",
                            (challenge, call.now - CHALLENGE_SECONDS)).rowcount
    guesses = Guesses(call, phone)
    user = call.conn().execute("SELECT * FROM users WHERE phone = ?", (phone,)).fetchone()
    if guesses.refused() or not used or user is None \
            or not _rand_matches(user["secret"], challenge, rand):
        guesses.wrong()
        raise ApiError(121)
    if user["status"] == "inactive":
        raise ApiError(122)
    if user["status"] == "disabled":
        raise ApiError(123)
    token = secrets.token_urlsafe(16)
    with call.service.db.write() as conn:
        conn.execute("DELETE FROM sessions WHERE expires < ?", (call.now,))
        conn.execute("INSERT INTO sessions VALUES (?, ?, ?)",
                     (token, user["id"], call.now + SESSION_SECONDS))
    return {"token": token}


def logout(call: Call) -> Payload:
    token = call.params.required("token")
    with call.service.db.write() as conn:
        conn.execute("DELETE FROM sessions WHERE token = ?", (token,))
    return {}


def get_my_groups(call: Call) -> Payload:
    user = user_for_token(call, 6)
    assert user is not None
    # The docs set no maximum range here: any positive one, a page of the owner's groups.
    count = call.params.integer("range", 15, 1, MAX_INT, ApiError(111, "range", "1 or more"))
    start = call.params.offset(ApiError(111, "from", "0 or more"))
    conn = call.conn()
    rows = conn.execute("SELECT * FROM groups WHERE owner_id = ? ORDER BY name LIMIT ? OFFSET ?",
                        (user["id"], count, start)).fetchall()
    return {"from": start, "range": count, "groups": [group_object(conn, g) for g in rows]}


def _joined_page(call: Call) -> tuple[str, int, int]:
    user = user_for_token(call, 1)
    assert user is not None
    # 131 and 150 are documented for any bad range or from, numbers or not.
    count = call.params.integer("range", 15, 1, JOINED_RANGE, ApiError(131), own_code=True)
    return user["phone"], call.params.offset(ApiError(150), own_code=True), count


def get_joined_groups(call: Call) -> Payload:
    phone, start, count = _joined_page(call)
    conn = call.conn()
    rows = conn.execute("SELECT groups.* FROM groups JOIN subscriptions ON "
                        "subscriptions.group_id = groups.id WHERE subscriptions.phone = ? "
                        "ORDER BY groups.name LIMIT ? OFFSET ?", (phone, count, start)).fetchall()
    return {"from": start, "range": count, "groups": [group_object(conn, g) for g in rows]}


def get_joined_groups_stream(call: Call) -> Payload:
    phone, start, count = _joined_page(call)
    rows = call.conn().execute(
        MESSAGE_SELECT + "JOIN subscriptions ON subscriptions.group_id = groups.id "
        "WHERE subscriptions.phone = ? ORDER BY messages.time DESC, messages.id DESC "
        "LIMIT ? OFFSET ?", (phone, count, start))
    return {"from": start, "range": count, "messages": [message_object(r) for r in rows]}


METHODS: dict[str, Handler] = {
    "users.getChallenge": get_challenge,
    "users.login": login,
    "users.logout": logout,
    "users.getMyGroups": get_my_groups,
    "users.getJoinedGroups": get_joined_groups,
    "users.getJoinedGroupsStream": get_joined_groups_stream,
}
