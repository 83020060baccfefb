"""The two-phase subscription in the widget server: limits, errors, tickets, forms."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import Env, forget_keys, widget_env
from tests.redis_server import redis_url
from widget_server.gupshup.demo import FRIEND_PHONE
from widget_server.words import strings

pytestmark = pytest.mark.anyio
API = "/api/groups/jumpy/subscribe"
SAME = {"Sec-Fetch-Site": "same-origin"}


async def start(env: Env, phone: str = "9819535746", group: str = "jumpy",
                **extra: str) -> httpx.Response:
    return await env.client.post(f"/api/groups/{group}/subscribe", data={"phone": phone,
                                                                          **extra}, headers=SAME)


async def confirm(env: Env, ticket: str, code: str, lang: str = "en") -> httpx.Response:
    return await env.client.post(f"{API}/confirm?lang={lang}",
                                 data={"ticket": ticket, "code": code}, headers=SAME)


def sent_code(env: Env, phone: str = "9819535746") -> str:
    texts = [m.text for m in env.gupshup.outbox.messages(phone) if m.kind == "code"]
    match = re.search(r" is ([A-Z0-9]{4})\.", texts[0])
    assert match
    return match.group(1)


async def members(env: Env) -> int:
    transport = env.upstream.inner
    async with httpx.AsyncClient(transport=transport, base_url="http://g") as client:
        body = (await client.get("/GupshupAPI/rest", params={
            "method": "groups.getInfo", "group": "jumpy", "v": "1.0", "format": "json"})).json()
    return int(body["response"]["group"]["members"])


async def test_two_phases_subscribe_the_phone(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        before = await members(env)
        first = await start(env, "+91 98195 35746")
        assert first.status_code == 200 and first.json()["code"] == "code_sent"
        done = await confirm(env, first.json()["ticket"], sent_code(env).lower())
        assert done.status_code == 200 and done.json()["code"] == "subscribed"
        assert await members(env) == before + 1


@pytest.mark.parametrize("phone", ["9819535746", "+91 98195 35746", "09819535746",
                                   "+919819535746", "98195-35746"])
async def test_common_forms_of_indian_mobiles(tmp_path: Path, phone: str) -> None:
    async with widget_env(tmp_path) as env:
        assert (await start(env, phone)).json()["code"] == "code_sent"


@pytest.mark.parametrize("phone", ["12345", "+44 7911 123456", "022 2345 6789", "", "x" * 500])
async def test_other_numbers_get_a_clear_message(tmp_path: Path, phone: str) -> None:
    async with widget_env(tmp_path) as env:
        response = await start(env, phone)
        assert response.status_code == 400 and response.json()["code"] == "bad_phone"
        assert env.upstream.requests == []


async def test_known_and_unknown_phones_get_the_same_answer(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        known = await start(env, FRIEND_PHONE)  # already subscribed to jumpy
        unknown = await start(env, "9819535746")
        assert known.status_code == unknown.status_code == 200
        assert known.json().keys() == unknown.json().keys()
        assert known.json()["code"] == unknown.json()["code"] == "code_sent"
        words = [r.json()["message"].replace(p[-4:], "####") for r, p in
                 ((known, FRIEND_PHONE), (unknown, "9819535746"))]
        assert words[0] == words[1]


@pytest.fixture(params=["local", "redis"])
async def limits(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """The limits counted in this process, or in Redis (shared by every instance)."""
    if request.param == "local":
        yield {}
        return
    prefix = f"test:{uuid.uuid4().hex}:"
    yield {"redis_url": redis_url(), "redis_prefix": prefix}
    await forget_keys(prefix)


async def test_per_phone_limit(tmp_path: Path, limits: dict[str, Any]) -> None:
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",), **limits) as env:
        for n in range(5):
            response = await env.client.post(API, data={"phone": "9819535746"}, headers={
                **SAME, "X-Forwarded-For": f"10.0.0.{n}"})
            assert response.status_code == 200
        calls = len(env.upstream.requests)
        refused = await env.client.post(API, data={"phone": "9819535746"}, headers={
            **SAME, "X-Forwarded-For": "10.0.0.99"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert len(env.upstream.requests) == calls  # refused before any upstream call
        env.clock.advance(601)
        later = await env.client.post(API, data={"phone": "9819535746"}, headers={
            **SAME, "X-Forwarded-For": "10.0.0.99"})
        # Our limit has lifted; the upstream's own (5 unconfirmed a day) now speaks.
        assert later.json()["code"] == "too_many_unconfirmed"
        assert len(env.upstream.requests) == calls + 1


async def test_per_ip_limit(tmp_path: Path, limits: dict[str, Any]) -> None:
    async with widget_env(tmp_path, **limits) as env:
        for n in range(5):
            assert (await start(env, f"98195357{n:02d}")).status_code == 200
        refused = await start(env, "9819535799")
        assert refused.status_code == 429 and refused.json()["code"] == "too_many"
        assert "minutes" in refused.json()["message"]


async def test_per_group_limit(tmp_path: Path, limits: dict[str, Any]) -> None:
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",), **limits,
                          budget=(60, 950, 9500)) as env:
        statuses = []
        for n in range(61):
            response = await env.client.post(API, data={"phone": f"98{n:08d}"}, headers={
                **SAME, "X-Forwarded-For": f"10.1.{n}.1"})
            statuses.append(response.status_code)
            env.clock.advance(2.5)  # under the upstream's own 30 a minute
        assert statuses[:60] == [200] * 60 and statuses[60] == 429


async def test_five_wrong_codes_lock_the_verification(tmp_path: Path,
                                                      limits: dict[str, Any]) -> None:
    async with widget_env(tmp_path, **limits) as env:
        ticket = (await start(env)).json()["ticket"]
        right = sent_code(env)
        wrong = "ZZZZ" if right != "ZZZZ" else "YYYY"
        lefts = [(await confirm(env, ticket, wrong)).json().get("attemptsLeft")
                 for _ in range(4)]
        assert lefts == [4, 3, 2, 1]
        fifth = await confirm(env, ticket, wrong)
        assert fifth.status_code == 429 and fifth.json()["code"] == "too_many_attempts"
        calls = len(env.upstream.requests)
        refused = await confirm(env, ticket, right)
        assert refused.json()["code"] == "too_many_attempts"
        assert len(env.upstream.requests) == calls


async def test_malformed_code_is_not_sent_upstream(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        calls = len(env.upstream.requests)
        for code in ("AB", "ABCDE", "AB!D", "अबसद"):
            assert (await confirm(env, ticket, code)).json()["code"] == "bad_code"
        assert len(env.upstream.requests) == calls


async def test_tampered_ticket_is_refused(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        payload, rest = ticket[1:].split(".", 1)
        tampered = "." + payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
        for bad in (tampered, "not-a-ticket", ticket + "x", ""):
            response = await confirm(env, bad, sent_code(env))
            assert response.status_code == 400 and response.json()["code"] == "ticket_invalid"
        other_group = await env.client.post("/api/groups/cricketbuzz/subscribe/confirm", data={
            "ticket": ticket, "code": sent_code(env)}, headers=SAME)
        assert other_group.json()["code"] == "ticket_invalid"


async def test_ticket_expires_after_ten_minutes(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        env.clock.advance(601)
        response = await confirm(env, ticket, sent_code(env))
        assert response.json()["code"] == "ticket_expired"


async def test_resend_only_after_the_countdown(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        early = await env.client.post(API, data={"ticket": ticket, "resend": "1"}, headers=SAME)
        assert early.status_code == 429 and early.json()["code"] == "wait_resend"
        env.clock.advance(31)
        later = await env.client.post(API, data={"ticket": ticket, "resend": "1"}, headers=SAME)
        assert later.json()["code"] == "code_sent"
        assert len(env.gupshup.outbox.messages("9819535746")) == 2


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"}, {"Origin": "null"},
])
async def test_cross_site_posts_are_refused(tmp_path: Path, headers: dict[str, str]) -> None:
    async with widget_env(tmp_path) as env:
        for path in (API, f"{API}/confirm", "/widget/groups/jumpy/subscribe?subscribe=1"):
            response = await env.client.post(path, data={"phone": "9819535746"},
                                             headers=headers)
            assert response.status_code == 403
        assert "groups.subscribeGroupToken" not in env.upstream.methods()


async def test_same_origin_by_origin_header_is_accepted(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        response = await env.client.post(API, data={"phone": "9819535746"},
                                         headers={"Origin": "http://widgets"})
        assert response.status_code == 200


async def test_honeypot_gets_the_same_answer_and_no_sms(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        response = await start(env, website="http://spam.example")
        assert response.status_code == 200 and response.json()["code"] == "code_sent"
        assert env.upstream.requests == [] and env.gupshup.outbox.messages() == []


def _refusal(code: int) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"response": {"status": "error", "error": {
        "code": code, "msg": "upstream words"}}}).encode())


class Refusing(httpx.AsyncBaseTransport):
    def __init__(self, code: int) -> None:
        self.code = code

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _refusal(self.code)


@pytest.mark.parametrize(("code", "phase", "status", "key"), [
    (1, 1, 404, "not_found"), (2, 1, 400, "bad_phone"), (3, 1, 403, "privacy"),
    (5, 1, 429, "too_many_unconfirmed"), (10, 1, 403, "not_found"),
    (8, 1, 200, "code_sent"), (113, 1, 503, "busy"), (109, 1, 502, "upstream_error"),
    (6, 2, 400, "code_expired"), (7, 2, 400, "wrong_code"), (129, 1, 503, "unavailable"),
    (8, 2, 200, "already_subscribed"),
    (9, 2, 429, "too_many_attempts"), (111, 2, 502, "upstream_error"),
])
@pytest.mark.parametrize("lang", ["en", "hi"])
async def test_every_upstream_code_in_plain_words(tmp_path: Path, code: int, phase: int,
                                                  status: int, key: str, lang: str) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        env.upstream.inner = Refusing(code)
        if phase == 1:
            response = await env.client.post(f"{API}?lang={lang}", data={
                "phone": "9819535799"}, headers=SAME)
        else:
            response = await confirm(env, ticket, "ABCD", lang)
        assert response.status_code == status
        body = response.json()
        assert body["code"] == key
        assert body["message"] and "{" not in body["message"]
        if lang == "hi" and key != "code_sent":
            assert body["message"] != strings("en").get(key)


async def test_subscriptions_go_before_first_views_and_confirmations_first(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=(3, 950, 9500), floor_confirm=(1, 10, 100),
                          floor_subscribe=(1, 10, 100), floor_console=(0, 0, 0),
                          floor_view=(0, 0, 0)) as env:
        # First views may borrow the idle floors, all but the confirmations' and a sign-up.
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        assert (await env.client.get("/api/groups/shayari")).status_code == 503
        first = await start(env, "9819535746")
        assert first.status_code == 200
        busy = await start(env, "9819535748")
        assert busy.status_code == 503 and busy.json()["code"] == "busy"
        assert int(busy.headers["retry-after"]) >= 1
        assert "minute" in busy.json()["message"]
        # New subscriptions took their room; a visitor with a code still confirms.
        done = await confirm(env, first.json()["ticket"], sent_code(env, "9819535746"))
        assert done.status_code == 200 and done.json()["code"] == "subscribed"


async def test_form_flow_without_javascript(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        page = await env.client.get("/widget/groups/jumpy?subscribe=1")
        assert 'autocomplete="tel"' in page.text and "Reply STOP" in page.text
        confirm_page = await env.client.post("/widget/groups/jumpy/subscribe?subscribe=1",
                                             data={"phone": "98195 35746"})
        assert confirm_page.status_code == 200  # the next step itself, not a redirect
        assert 'autocomplete="one-time-code"' in confirm_page.text
        assert "+91******5746" in confirm_page.text
        assert confirm_page.headers["cache-control"] == "no-store"
        ticket = re.search(r'name="ticket" value="([^"]+)"', confirm_page.text)
        assert ticket
        wrong = await env.client.post("/widget/groups/jumpy/subscribe/confirm?subscribe=1",
                                      data={"ticket": ticket.group(1), "code": "0000"})
        assert wrong.status_code == 400 and "tries left" in wrong.text
        final = await env.client.post("/widget/groups/jumpy/subscribe/confirm?subscribe=1",
                                      data={"ticket": ticket.group(1), "code": sent_code(env)})
        assert final.status_code == 200 and final.headers["cache-control"] == "no-store"
        assert "Done!" in final.text and "one-time-code" not in final.text


async def test_no_phone_or_ticket_ever_rides_in_a_url(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        answer = await env.client.post("/widget/groups/jumpy/subscribe?subscribe=1",
                                       data={"phone": "9819535746"}, follow_redirects=False)
        assert "location" not in answer.headers
        urls = re.findall(r'(?:href|action|src)="([^"]*)"', answer.text)
        assert urls and not [u for u in urls if "5746" in u or "ticket" in u]


async def test_codes_are_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with widget_env(tmp_path) as env:
        ticket = (await start(env)).json()["ticket"]
        code = sent_code(env)
        await confirm(env, ticket, "QQQQ" if code != "QQQQ" else "WWWW")
        await confirm(env, ticket, code)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert code not in logged


def _keys(body: dict[str, Any]) -> set[str]:
    return set(body)


@pytest.mark.parametrize("path", ["/api/groups/jumpy/subscribe",
                                  "/api/groups/jumpy/subscribe/confirm"])
async def test_an_unreadable_form_is_said_as_such_not_as_a_bad_phone(tmp_path: Path,
                                                                      path: str) -> None:
    async with widget_env(tmp_path) as env:
        form = {"Sec-Fetch-Site": "same-origin",
                "Content-Type": "application/x-www-form-urlencoded"}
        response = await env.client.post(path, content=b"a=" + b"x" * 20_000, headers=form)
        assert response.status_code == 400 and response.json()["code"] == "bad_form"
        assert "could not be read" in response.json()["message"]
        huge = await env.client.post(path, content=b"a=" + b"x" * 100_000, headers=form)
        assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
        assert env.upstream.requests == []


async def test_a_code_started_before_a_key_rotation_confirms_after_it(tmp_path: Path) -> None:
    async with widget_env(tmp_path, secret_key="old-key") as before:
        ticket = (await start(before, "9819535746")).json()["ticket"]
        code = sent_code(before)
        # The operator rotates: the new key first, the old one still accepted.
        async with widget_env(tmp_path, share_upstream_of=before,
                              secret_key="new-key old-key") as after:
            done = await confirm(after, ticket, code)
            assert done.status_code == 200 and done.json()["code"] == "subscribed"
            fresh = (await start(after, "9819535747")).json()["ticket"]
        async with widget_env(tmp_path, share_upstream_of=before,
                              secret_key="new-key") as later:  # the old key dropped
            done = await confirm(later, fresh, sent_code(later, "9819535747"))
            assert done.json()["code"] == "subscribed"  # signed with the new key
            old = await confirm(later, ticket, code)
            assert old.status_code == 400  # signed with a key no longer accepted
