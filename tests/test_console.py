"""The group owner's console over real HTTP (uvicorn on a loopback port), against the
embedded local GupShup: login, groups, posts and their refusals, replies, invites, logout,
and the defences."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from tests.harness import Switchable, forget_keys, kept, local_upstream
from tests.live import live_server, running_server
from tests.redis_server import redis_url
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.console.owner import ConsoleError
from widget_server.console.rules import check_text, invite_numbers
from widget_server.console.session import COOKIE
from widget_server.console.words import STRINGS, words
from widget_server.gupshup.app import LocalGupShup
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE, FRIEND_PHONE
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.records import ascii_text
from widget_server.settings import Settings

SAME = {"Sec-Fetch-Site": "same-origin"}
EN = words("en")


@dataclass
class Console:
    base: str
    app: Starlette
    clock: ManualClock
    http: httpx.Client
    gupshup: LocalGupShup
    upstream: Switchable | None = None

    def login(self, phone: str = DEMO_PHONE, password: str = DEMO_PASSWORD,
              **headers: str) -> httpx.Response:
        return self.http.post("/console/login", data={"phone": phone, "password": password},
                              headers={**SAME, **headers})

    def post(self, path: str, **data: str) -> httpx.Response:
        return self.http.post(path, data=data, headers=SAME)

    def calls(self, method: str) -> int:
        """Upstream calls of `method` so far, by the server's own metrics."""
        text = self.http.get("/metrics").text
        return sum(int(float(n)) for n in re.findall(
            rf'widget_upstream_calls_total{{method="{re.escape(method)}",[^}}]*}} (\S+)', text))


@contextlib.contextmanager
def console_server(tmp_path: Path, switch: bool = False,
                   **overrides: Any) -> Iterator[Console]:
    """The widget server on a loopback port, embedding the local GupShup; with `switch`,
    the same local GupShup reached through a `Switchable` (to make it fail)."""
    clock = ManualClock(time.time())
    # One test client plays every visitor; the owner's share of the console is kept.
    settings = Settings(data_dir=tmp_path / "data", **{"client_share": 1.0, **overrides})
    local, upstream = local_upstream(settings, clock) if switch else (None, None)
    app = create_app(settings, clock=clock, transport=upstream)
    try:
        with live_server(app, lifespan="on") as base, httpx.Client(base_url=base) as http:
            yield Console(base, app, clock, http, local or app.state.services.local,
                          upstream)
    finally:
        if local is not None:
            local.close()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    with console_server(tmp_path) as c:
        yield c


SPACED = 31.0  # between logins from one address: two a minute are its share


def said(response: httpx.Response) -> str:
    found = re.search(r'<p class="said[^"]*"[^>]*>([^<]*)</p>', response.text)
    return found.group(1).replace("&#39;", "'") if found else ""


def _upstream_token(console: Console) -> str:
    """The GupShup token the console's session stands for (the newest of the demo
    owner's), read from the local GupShup's own database."""
    db = console.gupshup.service.db.connection()
    row = db.execute("SELECT token FROM sessions ORDER BY rowid DESC LIMIT 1").fetchone()
    return str(row[0])


# Login

def test_the_login_page_is_private_unframed_and_first_party(console: Console) -> None:
    page = console.http.get("/console")
    assert page.status_code == 200
    assert 'name="phone"' in page.text and 'type="password"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    # Nothing from a third party: every src and href is our own.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)


def test_the_right_password_logs_in_with_a_safe_cookie(console: Console) -> None:
    answer = console.login()
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here: see the HTTPS test
    value = console.http.cookies[COOKIE]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # an opaque id: 32 random bytes
    assert _upstream_token(console) not in value and DEMO_PHONE not in value
    home = console.http.get("/console")
    assert "Jumpy" in home.text and EN["my_groups"] in home.text


def test_a_cookie_is_secure_over_https(tmp_path: Path) -> None:
    with console_server(tmp_path, public_url="https://widgets.example") as c:
        cookie = c.login().headers["set-cookie"]
        # A __Host- name: only this host, over HTTPS, at / can set it (no subdomain or
        # other path can plant or shadow the session).
        assert cookie.startswith("__Host-gupshup_console=") and "Secure" in cookie
        assert "Path=/;" in cookie and "Domain" not in cookie


@pytest.mark.parametrize(("phone", "password", "status", "key"), [
    (DEMO_PHONE, "not-my-password", 401, "wrong_password"),
    ("9876543210", "inactive123", 403, "inactive"),
    ("9123456780", "disabled123", 403, "disabled_account"),
    ("12345", "whatever", 422, "bad_phone"),
    (DEMO_PHONE, "", 422, "missing_password"),
])
def test_each_refused_login_says_why(console: Console, phone: str, password: str,
                                     status: int, key: str) -> None:
    answer = console.login(phone, password)
    assert answer.status_code == status
    assert said(answer) == EN[key].replace("&#39;", "'")
    assert COOKIE not in answer.headers.get("set-cookie", "")
    assert f'value="{phone}"' in answer.text  # what was typed stays; never the password
    assert password not in answer.text or not password


def test_the_login_page_speaks_hindi(console: Console) -> None:
    answer = console.http.post("/console/login?lang=hi", headers=SAME,
                               data={"phone": DEMO_PHONE, "password": "wrong"})
    assert said(answer) == words("hi")["wrong_password"]
    assert '<html lang="hi"' in answer.text and 'action="/console/login?lang=hi"' in answer.text


def test_a_login_for_any_phone_form_works(console: Console) -> None:
    assert console.login("+91 98211 07770").status_code == 303


# The owner's and the joined groups

def test_the_home_shows_owned_and_joined_groups_with_their_messages(console: Console) -> None:
    console.login(FRIEND_PHONE, "friend123")
    home = console.http.get("/console")
    mine, joined = home.text.split('id="joined-title"')
    assert "/console/groups/chaipeople" in mine and "/console/groups/jumpy" not in mine
    for group in ("Jumpy", "Cricket Buzz", "Hush"):
        assert group in joined
    assert 'id="stream-title"' in home.text
    assert "Good morning, jumpers!" in home.text  # a joined group's recent message


def test_a_group_that_is_not_yours_is_not_found(console: Console) -> None:
    console.login(FRIEND_PHONE, "friend123")
    page = console.http.get("/console/groups/jumpy")
    assert page.status_code == 404 and said(page) == EN["not_your_group"].replace("&#39;", "'")
    refused = console.post("/console/groups/jumpy/messages", text="Hijack")
    assert refused.status_code == 404 and console.calls("groups.postMessage") == 0


def test_logged_out_the_group_page_sends_you_to_log_in(console: Console) -> None:
    answer = console.http.get("/console/groups/jumpy")
    assert answer.status_code == 303 and answer.headers["location"] == "/console"


def test_the_group_page_has_everything_to_manage_it(console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/jumpy")
    assert page.status_code == 200
    assert 'action="/console/groups/jumpy/messages"' in page.text
    assert 'action="/console/groups/jumpy/invites"' in page.text
    assert re.search(r'action="/console/groups/jumpy/messages/\d+/replies"', page.text)
    assert 'href="/?group=jumpy"' in page.text  # the customization page, preset
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


# Posting

def test_a_post_reaches_the_json_api_and_the_widget_within_5_seconds(
        console: Console) -> None:
    console.login()
    api = "/api/groups/jumpy/messages?range=1"
    assert console.http.get(api).status_code == 200  # cached and fresh before the post
    posted = console.post("/console/groups/jumpy/messages", text="Samosa party at 6!")
    assert posted.status_code == 303
    assert posted.headers["location"] == "/console/groups/jumpy?done=posted"
    started = time.monotonic()
    while console.http.get(api).json()["messages"][0]["text"] != "Samosa party at 6!":
        assert time.monotonic() - started < 5
        time.sleep(0.1)
        console.clock.advance(0.1)  # the server's clock moves only when told to
    assert "Samosa party at 6!" in console.http.get("/widget/groups/jumpy").text
    page = console.http.get(posted.headers["location"])
    assert said(page) == EN["posted"]
    assert "29 posts" in page.text  # the renewed counts (28 before)
    assert console.calls("users.getMyGroups") == 1  # the owner's list, kept a minute
    subscribers = [m for m in console.gupshup.outbox.messages(FRIEND_PHONE) if m.kind == "post"]
    assert subscribers and subscribers[0].text == "Samosa party at 6!"


@pytest.mark.parametrize(("text", "key"), [
    ("Chai पीलो", "not_ascii"),
    ("x" * 161, "too_long"),
    ("   ", "empty"),
    ("bell\x07", "not_ascii"),
])
def test_a_post_the_rules_refuse_costs_no_call(console: Console, text: str, key: str) -> None:
    console.login()
    console.http.get("/console/groups/jumpy")
    answer = console.post("/console/groups/jumpy/messages", text=text)
    assert answer.status_code == 422
    assert said(answer).startswith(EN[key].split("{")[0].replace("&#39;", "'"))
    assert console.calls("groups.postMessage") == 0
    if text.strip():
        assert text.replace("\x07", "") in answer.text.replace("&#39;", "'")  # kept


def test_the_words_say_what_to_remove_and_by_how_much(console: Console) -> None:
    console.login()
    assert "Remove: प ी" in said(console.post("/console/groups/jumpy/messages", text="पी"))
    assert "this is 170: shorten it by 10" in said(
        console.post("/console/groups/jumpy/messages", text="y" * 170))


def test_the_same_post_twice_is_refused_before_the_upstream(console: Console) -> None:
    console.login()
    assert console.post("/console/groups/jumpy/messages", text="Once only").status_code == 303
    again = console.post("/console/groups/jumpy/messages", text="Once only")
    assert again.status_code == 422 and said(again) == EN["repeat"].replace("&#39;", "'")
    assert console.calls("groups.postMessage") == 1


def test_the_posting_pace_is_said_before_the_upstream(tmp_path: Path) -> None:
    # A budget (and a local throttle) roomy enough for ten posts, each with its refreshes.
    with console_server(tmp_path, budget=(100, 2000, 9500), **kept((60, 100, 500)),
                        throttle_warn=(95, 990, 9990), throttle_limit=(100, 1000, 10000)) as c:
        c.login()
        for n in range(10):
            assert c.post("/console/groups/jumpy/messages", text=f"Post {n}").status_code == 303
        eleventh = c.post("/console/groups/jumpy/messages", text="Post 10")
        assert eleventh.status_code == 429 and int(eleventh.headers["retry-after"]) >= 1
        assert re.fullmatch(r"That's as many posts as GupShup takes in a minute\. Try again in "
                            r"\d+ seconds\.", said(eleventh))
        assert c.calls("groups.postMessage") == 10
        c.clock.advance(61)
        assert c.post("/console/groups/jumpy/messages", text="Post 10").status_code == 303


# Replies

def test_a_reply_is_shown_under_its_message(console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/jumpy")
    ids = re.findall(r'<article class="msg thread" id="m(\d+)"', page.text)
    older = ids[3]  # not the newest: the reply must stay with the message it answers
    answer = console.post(f"/console/groups/jumpy/messages/{older}/replies",
                          text="@cricketbuzz thanks for the laughs", to="jumpy")
    assert answer.status_code == 303
    page = console.http.get(answer.headers["location"])
    assert said(page) == "Your reply went to @cricketbuzz."
    assert "@cricketbuzz thanks for the laughs" in _thread(page.text, older)
    assert "@cricketbuzz thanks for the laughs" not in _thread(page.text, ids[0])
    # GupShup has it too: the public replies of the group it went to.
    replies = console.gupshup.service.db.connection().execute(
        "SELECT text FROM replies ORDER BY id DESC LIMIT 1").fetchone()
    assert replies["text"] == "@cricketbuzz thanks for the laughs"


def test_a_reply_without_a_group_goes_where_the_form_says(console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/jumpy")
    newest = re.findall(r'id="m(\d+)"', page.text)[0]
    answer = console.post(f"/console/groups/jumpy/messages/{newest}/replies",
                          text="see you all", to="jumpy")
    page = console.http.get(answer.headers["location"])
    assert "@jumpy see you all" in _thread(page.text, newest)


def test_replies_from_other_groups_sit_under_the_message_they_answer(
        console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/jumpy")
    threads = re.findall(r'<article class="msg thread".*?</article>', page.text, re.S)
    with_replies = [t for t in threads if "loved the piano riddle" in t]
    assert len(with_replies) == 1  # the demo reply, 10 minutes old, under one message
    assert "(hidden by the owner)" in page.text and EN["hidden"] in page.text


def test_a_reply_to_a_group_that_cannot_take_it_says_so(console: Console) -> None:
    console.login(FRIEND_PHONE, "friend123")
    page = console.http.get("/console/groups/chaipeople")
    message = re.findall(r'id="m(\d+)"', page.text)[0]
    answer = console.post(f"/console/groups/chaipeople/messages/{message}/replies",
                          text="@hush @jumpy hello")
    assert answer.status_code == 200
    assert "<bdi>@hush</bdi>: private" in answer.text
    assert "<bdi>@jumpy</bdi>: " in answer.text and said(answer) == \
        "Your reply went to @jumpy."


def _thread(page: str, message: str) -> str:
    found = re.search(rf'<article class="msg thread" id="m{message}".*?</article>', page, re.S)
    assert found
    return found.group(0)


# Invites

def test_an_invite_reaches_the_outbox_and_each_number_has_its_outcome(
        console: Console) -> None:
    console.login()
    answer = console.post("/console/groups/jumpy/invites",
                          phones=f"98195 35746\n+91-98195-35747; {FRIEND_PHONE}, 12345")
    assert answer.status_code == 200
    outcomes = dict(re.findall(r'<li class="(?:ok|bad)"><bdi>([^<]*)</bdi>: ([^<]*)</li>',
                               answer.text))
    assert outcomes["9819535746"] == "invited" and outcomes["9819535747"] == "invited"
    assert outcomes[FRIEND_PHONE] == "not invited: already a member"
    assert outcomes["12345"] == "not an Indian mobile number"
    for phone in ("9819535746", "9819535747"):
        sent = console.gupshup.outbox.messages(phone)
        assert sent and sent[0].kind == "invite" and "jumpy" in sent[0].text
    assert not [m for m in console.gupshup.outbox.messages(FRIEND_PHONE) if m.kind == "invite"]


def test_an_invite_of_no_number_costs_no_call(console: Console) -> None:
    console.login()
    answer = console.post("/console/groups/jumpy/invites", phones="hello, 123")
    assert answer.status_code == 422 and console.calls("groups.inviteFriends") == 0
    assert "hello\n123" in answer.text  # kept to correct


# Logout and sessions

def test_logout_ends_the_upstream_token(console: Console) -> None:
    console.login()
    token = _upstream_token(console)
    stolen = console.http.cookies[COOKIE]
    out = console.post("/console/logout")
    assert out.status_code == 303 and 'gupshup_console=""' in out.headers["set-cookie"]
    db = console.gupshup.service.db.connection()
    assert db.execute("SELECT COUNT(*) FROM sessions WHERE token = ?", (token,)).fetchone()[0] == 0
    # The old cookie is worth nothing now: its session is gone from the store.
    replay = httpx.get(console.base + "/console", headers={"Cookie": f"{COOKIE}={stolen}"})
    assert 'type="password"' in replay.text and "Jumpy" not in replay.text


def test_logout_ends_the_session_everywhere_even_when_gupshup_fails(tmp_path: Path) -> None:
    """Red team, second round: a logout GupShup did not confirm left the session alive,
    and other workers showed the old session's pages for a minute."""
    with console_server(tmp_path, switch=True) as one, \
            console_server(tmp_path, switch=True) as two:
        assert one.upstream is not None and one.login().status_code == 303
        cookie = {"Cookie": f"{COOKIE}={one.http.cookies[COOKIE]}"}
        assert "Jumpy" in httpx.get(two.base + "/console", headers=cookie).text
        one.upstream.mode = "500"  # GupShup cannot hear the logout
        assert one.post("/console/logout").status_code == 303
        for side in (one, two):  # over at once, in every process on the store
            page = httpx.get(side.base + "/console", headers=cookie)
            assert 'type="password"' in page.text and "Jumpy" not in page.text


def test_the_console_cookie_carries_no_gupshup_token(console: Console) -> None:
    """Red team, second round: the cookie held GupShup's API token, signed but in clear."""
    console.login()
    value = console.http.cookies[COOKIE]
    token = _upstream_token(console)
    assert token not in value
    for part in value.split("."):  # nothing decodes to it either
        padded = part + "=" * (-len(part) % 4)
        with contextlib.suppress(ValueError):
            assert token.encode() not in base64.urlsafe_b64decode(padded)


def test_a_session_expires(console: Console) -> None:
    console.login()
    console.clock.advance(86400 + 1)
    page = console.http.get("/console")
    assert 'type="password"' in page.text


def test_a_tampered_cookie_is_no_session(console: Console) -> None:
    console.login()
    value = console.http.cookies[COOKIE]
    for forged in (value[:-1] + ("A" if value[-1] != "A" else "B"), "x" * 43, value * 2):
        page = httpx.get(console.base + "/console", headers={"Cookie": f"{COOKIE}={forged}"})
        assert 'type="password"' in page.text


# Defences

@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://evil.example"}])
def test_cross_site_posts_are_refused(console: Console, headers: dict[str, str]) -> None:
    assert console.login().status_code == 303
    before = console.calls("groups.postMessage")
    post = console.http.post("/console/groups/jumpy/messages", data={"text": "forged"},
                             headers=headers)
    assert post.status_code == 403 and console.calls("groups.postMessage") == before
    login = console.http.post("/console/login", headers=headers,
                              data={"phone": DEMO_PHONE, "password": DEMO_PASSWORD})
    assert login.status_code == 403 and said(login) == EN["cross_site"]
    for path in ("/console/logout", "/console/groups/jumpy/invites",
                 "/console/groups/jumpy/messages/1/replies"):
        assert console.http.post(path, headers=headers,
                                 data={"phones": "9819535746", "text": "@x y"}
                                 ).status_code == 403
    assert console.calls("users.logout") == console.calls("groups.inviteFriends") == 0


def test_five_wrong_passwords_lock_even_the_right_one(console: Console) -> None:
    for _ in range(5):
        console.clock.advance(SPACED)
        assert console.login(password="guess").status_code == 401
    console.clock.advance(SPACED)
    locked = console.login()
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 15 * 60 - 6 * SPACED
    assert said(locked).startswith("Too many wrong passwords")
    assert console.calls("users.login") == 5  # the sixth never reached GupShup
    console.clock.advance(SPACED)
    assert console.login(FRIEND_PHONE, "friend123").status_code == 303  # another phone
    console.clock.advance(15 * 60 + 1)
    assert console.login().status_code == 303


def test_five_wrong_passwords_from_anyone_no_longer_lock_the_owner_out(tmp_path: Path) -> None:
    """Red team, second round: five wrong passwords from anywhere locked the owner out,
    the right password included, for as long as an attacker kept at it."""
    with console_server(tmp_path, trusted_proxies=("127.0.0.1",)) as c:
        attacker, owner = {"X-Forwarded-For": "10.6.6.6"}, {"X-Forwarded-For": "10.1.1.1"}
        for _ in range(5):
            c.clock.advance(SPACED)
            assert c.login(password="guess", **attacker).status_code == 401
        assert c.login(**attacker).status_code == 429  # the guessing address is stopped
        assert c.login(**owner).status_code == 303  # the owner's is not


def test_a_number_under_attack_from_many_addresses_is_capped(tmp_path: Path) -> None:
    with console_server(tmp_path, trusted_proxies=("127.0.0.1",)) as c:
        for n in range(30):  # 30 wrong passwords an hour, from 15 addresses
            address = {"X-Forwarded-For": f"10.7.0.{n // 2}"}
            assert c.login(password="guess", **address).status_code == 401
            c.clock.advance(60)
        failed = {"X-Forwarded-For": "10.7.0.0"}
        assert c.login(password="guess", **failed).status_code == 429  # has failed: capped
        assert c.login(**{"X-Forwarded-For": "10.8.0.1"}).status_code == 303  # never failed


def test_a_right_password_does_not_count_as_a_guess(console: Console) -> None:
    for _ in range(4):
        console.clock.advance(SPACED)
        console.login(password="guess")
    console.clock.advance(SPACED)
    assert console.login().status_code == 303
    console.clock.advance(SPACED)
    assert console.login(password="guess").status_code == 401  # the fifth wrong one
    console.clock.advance(SPACED)
    assert console.login().status_code == 429


def test_one_address_is_limited_across_phones(tmp_path: Path) -> None:
    with console_server(tmp_path, trusted_proxies=("127.0.0.1",)) as c:
        for n in range(20):
            assert c.login(f"98{n:08d}", "guess",
                           **{"X-Forwarded-For": "10.9.9.9"}).status_code == 401
            c.clock.advance(30)  # within the budget; all 20 within 15 minutes
        assert c.login(**{"X-Forwarded-For": "10.9.9.9"}).status_code == 429
        assert c.login(**{"X-Forwarded-For": "10.9.9.10"}).status_code == 303


def test_no_password_in_any_log_line_or_file(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with console_server(tmp_path) as c:
        c.login(password="Sekr1t-wrong")
        c.login()
        c.http.get("/console/groups/jumpy")
        c.post("/console/logout")
    lines = [r.getMessage() for r in caplog.records]
    assert any("console login" in line for line in lines)  # there are log lines
    for secret in (DEMO_PASSWORD, "Sekr1t-wrong"):
        assert not [line for line in lines if secret in line]
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


# The budget and failures

def test_console_calls_have_a_floor_of_their_own(tmp_path: Path) -> None:
    """Guesses at names never seen (as refreshes) cannot take the console's floor; when
    that is spent the owner reads when to try again."""
    with console_server(tmp_path, budget=(12, 950, 9500), floor_confirm=(1, 10, 100),
                        floor_subscribe=(2, 20, 200), floor_console=(3, 20, 200),
                        floor_view=(0, 0, 0), client_share=1.0) as c:  # 6 for the rest
        c.http.get("/api/public")  # a server at work: names it never read are guesses
        for n in range(8):
            c.http.get(f"/api/groups/nosuchgroup{n}")
        assert c.login().status_code == 303  # 2 of the console's 3, the others' 6 spent
        home = c.http.get("/console")  # 3 more: two over the floor
        assert home.status_code == 503 and int(home.headers["retry-after"]) >= 1
        assert re.fullmatch(r"GupShup allows this site only so many calls, and they're "
                            r"used up for now\. Try again in \d+ seconds\.", said(home))
        c.clock.advance(61)
        assert c.http.get("/console").status_code == 200


@pytest.mark.parametrize("mode", ["connect", "500", "bad_json", "129"])
def test_a_failing_upstream_is_said_and_the_text_kept(tmp_path: Path, mode: str) -> None:
    with console_server(tmp_path, switch=True) as c:
        assert c.upstream is not None
        assert c.login().status_code == 303
        c.http.get("/console/groups/jumpy")
        c.upstream.mode = mode
        answer = c.post("/console/groups/jumpy/messages", text="Is this thing on?")
        assert answer.status_code == 503 and int(answer.headers["retry-after"]) >= 1
        assert EN["unavailable"].replace("&#39;", "'") in said(answer)
        assert "Is this thing on?" in answer.text
        login = c.login()
        assert login.status_code == 503 and said(login) == EN["unavailable"].replace(
            "&#39;", "'")
        c.upstream.mode = "ok"
        assert c.post("/console/groups/jumpy/messages",
                      text="Is this thing on?").status_code == 303
        c.upstream.mode = mode  # logging out still ends the session here
        out = c.post("/console/logout")
        assert out.status_code == 303 and 'gupshup_console=""' in out.headers["set-cookie"]


def test_garbage_from_the_upstream_is_no_crash(tmp_path: Path) -> None:
    with console_server(tmp_path, switch=True) as c:
        assert c.upstream is not None
        c.upstream.mode = "garbage_fields"
        assert c.login().status_code == 503


def test_the_upstreams_posting_pace_is_said_and_never_slows_the_widgets(
        console: Console) -> None:
    """Posts made elsewhere (by SMS, another app) fill the upstream's pace, which the
    console cannot count: its 127 is said in words, and the throttle object on it is the
    poster's, not the upstream's throttle on this server."""
    console.login()
    with console.gupshup.service.db.write() as conn:
        for n in range(10):
            conn.execute("INSERT INTO messages (group_id, user_id, text, time) VALUES "
                         "((SELECT id FROM groups WHERE name = 'jumpy'), (SELECT id FROM "
                         "users WHERE phone = ?), ?, ?)", (DEMO_PHONE, f"sms {n}",
                                                          console.clock()))
    answer = console.post("/console/groups/jumpy/messages", text="One too many")
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) >= 1
    assert said(answer).startswith("That's as many posts as GupShup takes in a minute.")
    budget = console.app.state.services.budget
    assert budget.pace() == 1.0  # not taken for a throttle tag
    assert console.http.get("/api/groups/cricketbuzz").status_code == 200


def test_every_worker_shows_a_post_within_5_seconds(tmp_path: Path) -> None:
    """`serve --workers 2` on one state file: the worker that posted renews the group,
    and the other takes the new value at once rather than at the key's next turn."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    env.update(WIDGET_DATA_DIR=str(tmp_path / "data"), WIDGET_CLIENT_SHARE="1")
    with running_server(["serve", "--workers", "2"], env) as server:
        api = server.base + "/api/groups/jumpy/messages?range=1"
        for _ in range(12):  # a fresh connection each time: both workers hold it, fresh
            assert httpx.get(api).status_code == 200
        with httpx.Client(base_url=server.base) as http:
            http.post("/console/login", headers=SAME,
                      data={"phone": DEMO_PHONE, "password": DEMO_PASSWORD})
            posted = http.post("/console/groups/jumpy/messages", headers=SAME,
                               data={"text": "Heard by every worker"})
            assert posted.status_code == 303
        started = time.monotonic()
        while {httpx.get(api).json()["messages"][0]["text"] for _ in range(12)} != {
                "Heard by every worker"}:
            assert time.monotonic() - started < 5
            time.sleep(0.25)


def test_a_private_group_is_managed_without_its_stream(console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/hush")
    assert page.status_code == 200 and "GupShup&#39;s API doesn&#39;t list" in page.text
    posted = console.post("/console/groups/hush/messages", text="Private: meet at 9")
    assert posted.status_code == 303
    assert console.calls("groups.getStream") == 1  # the page's; no renewal of what can't be read
    sent = [m for m in console.gupshup.outbox.messages(FRIEND_PHONE) if m.kind == "post"]
    assert sent[0].text == "Private: meet at 9"


def test_a_switched_off_group_takes_no_post(console: Console) -> None:
    console.login()
    answer = console.post("/console/groups/oldnews/messages", text="Anyone there?")
    assert answer.status_code == 403 and said(answer).startswith("This group has been "
                                                                 "switched off on GupShup")
    assert "Anyone there?" in answer.text


def test_every_english_phrase_has_its_hindi(console: Console) -> None:
    assert all(words("hi")[k] != words("en")[k] for k in STRINGS if k != "title")


def test_an_unreadable_form_is_a_400_in_words(console: Console) -> None:
    big = b"--x\r\nContent-Disposition: form-data; name=\"phone\"\r\n\r\n" + b"9" * 10_000 \
        + b"\r\n--x--\r\n"  # a part past the form's size limit
    answer = console.http.post("/console/login", headers={
        **SAME, "Content-Type": "multipart/form-data; boundary=x"}, content=big)
    assert answer.status_code == 400 and said(answer) == "That form couldn't be read. " \
        "Please try again."


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_the_rules_say_no_exactly_when_gupshup_would(text: str) -> None:
    """What the console lets through, the local GupShup takes; what it refuses for
    characters or length, GupShup would refuse with 125 or 126."""
    try:
        checked = check_text(text)
    except ConsoleError as refusal:
        if refusal.key in ("not_ascii", "too_long"):
            code = {"not_ascii": 125, "too_long": 126}[refusal.key]
            with pytest.raises(ApiError) as upstream:
                ascii_text(text.replace("\r\n", "\n").strip())
            assert upstream.value.code == code
        else:
            assert refusal.key == "empty" and not text.strip()
        return
    assert ascii_text(checked) == checked


@given(st.text(alphabet="0123456789 +-,;\n()abc", max_size=120))
@settings(max_examples=300, deadline=None)
def test_any_invite_list_is_read_or_refused_in_words(text: str) -> None:
    try:
        numbers, bad = invite_numbers(text)
    except ConsoleError as refusal:
        assert refusal.key in ("invites_none", "invites_too_many")
        return
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == len(numbers) and (numbers or bad)


def test_the_console_on_redis_keeps_its_notes_for_every_instance(tmp_path: Path) -> None:
    """Two instances on one Redis: a reply sent through one is under its message on the
    other, and a phone locked on one is locked on the other."""
    prefix = f"test:{uuid.uuid4().hex}:"
    shared: dict[str, Any] = {"redis_url": redis_url(), "redis_prefix": prefix,
                              "budget": (100, 950, 9500), **kept((60, 50, 500))}
    try:
        with console_server(tmp_path, **shared) as one, \
                console_server(tmp_path, **shared) as other:  # one GupShup too
            one.login()
            page = one.http.get("/console/groups/jumpy")
            message = re.findall(r'id="m(\d+)"', page.text)[2]
            one.post(f"/console/groups/jumpy/messages/{message}/replies",
                     text="@shayari from the first instance")
            other.login()
            assert "@shayari from the first instance" in _thread(
                other.http.get("/console/groups/jumpy").text, message)
            for _ in range(5):
                one.login(FRIEND_PHONE, "wrong")
            assert other.login(FRIEND_PHONE, "friend123").status_code == 429
    finally:
        asyncio.run(forget_keys(prefix))


def test_a_post_the_budget_cannot_renew_yet_says_when_and_follows(tmp_path: Path) -> None:
    """The budget's minute is spent by the post itself: the post goes out, the page says
    when the widgets will show it, and the renewal is first in line when there is room."""
    with console_server(tmp_path, budget=(8, 950, 9500), floor_confirm=(0, 0, 0),
                        floor_subscribe=(0, 0, 0), floor_console=(4, 50, 500),
                        floor_view=(0, 0, 0), client_share=1.0) as c:
        api = "/api/groups/jumpy/messages?range=1"
        c.http.get(api)
        c.http.get("/api/groups/jumpy")  # first views: 2
        c.login()  # the console's 2
        c.http.get("/console/groups/jumpy")  # 2 more
        posted = c.post("/console/groups/jumpy/messages", text="Squeezed in")  # the last
        assert posted.status_code == 303 and "done=posted_later" in posted.headers["location"]
        page = c.http.get(posted.headers["location"])
        assert re.fullmatch(r"Posted\. It goes out by SMS now; the widgets show it within "
                            r"\d+ seconds \(this site's calls to GupShup are used up for the "
                            r"moment\)\.", said(page))
        c.clock.advance(61)
        started = time.monotonic()
        while c.http.get(api).json()["messages"][0]["text"] != "Squeezed in":
            assert time.monotonic() - started < 5
            time.sleep(0.2)
            c.clock.advance(0.2)


def test_a_reply_that_reaches_no_group_is_not_shown_as_sent(console: Console) -> None:
    console.login()
    page = console.http.get("/console/groups/jumpy")
    message = re.findall(r'id="m(\d+)"', page.text)[1]
    answer = console.post(f"/console/groups/jumpy/messages/{message}/replies",
                          text="@nosuchgroup hello?")
    assert answer.status_code == 422 and said(answer) == "Your reply reached no group:"
    assert "<bdi>@nosuchgroup</bdi>: there is no group by that name" in answer.text
    assert "@nosuchgroup hello?" not in _thread(answer.text, message).split("<details")[0]
    assert "@nosuchgroup hello?" in answer.text  # kept in its box to correct


def test_a_reply_ids_pattern_is_enforced_as_published(console: Console) -> None:
    """Red team, second round: /openapi.json gave the reply id a pattern the server did
    not enforce."""
    console.login()
    for bad in ("x" * 33, "a.b", "%E0%A4%95"):
        answer = console.post(f"/console/groups/jumpy/messages/{bad}/replies", text="hi")
        assert answer.status_code == 404, bad
        assert said(answer) == EN["no_such_message"]
    assert console.calls("groups.postReply") == 0
