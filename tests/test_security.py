"""Findings of a red team against the default install, one test each (in-process here;
the ones about the server process itself are in test_server_process)."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from defusedxml import ElementTree
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.harness import Env, kept, serving, widget_env
from tests.helpers import call, error_code
from tests.live import live_server
from widget_server.app import create_app
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE, FRIEND_PHONE, seed
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.limits import LONGEST, PRUNE_EVERY
from widget_server.gupshup.store import Database
from widget_server.gupshup.throttle import Throttle
from widget_server.protocol import REST_PATH, SMS_REFUSED, login_rand
from widget_server.settings import Settings
from widget_server.sms.gateway import error_reason
from widget_server.state.sqlite import SqliteState

pytestmark = pytest.mark.anyio
REST = REST_PATH
CROSS = {"Sec-Fetch-Site": "cross-site"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _app_client(settings: Settings) -> tuple[object, httpx.AsyncClient]:
    app = create_app(settings, clock=ManualClock())
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                  base_url="http://localhost")


def _phase_one(phone: str) -> dict[str, str]:
    return {"method": "groups.subscribeGroupToken", "v": "1.0", "format": "json",
            "group": "jumpy", "phone": phone}


# 1. SMS through the raw API, from anywhere
async def test_serve_does_not_expose_the_raw_api_by_default(tmp_path: Path) -> None:
    app, client = _app_client(Settings(data_dir=tmp_path / "data"))
    async with client:
        assert (await client.post(REST, data=_phase_one("9819535746"))).status_code == 404
        assert (await client.get("/api/groups/jumpy")).status_code == 200  # in-process
    app.state.services.local.close()  # type: ignore[attr-defined]


async def test_the_exposed_raw_api_refuses_other_sites_and_limits_each_address(
        tmp_path: Path) -> None:
    app, client = _app_client(Settings(data_dir=tmp_path / "data", expose_gupshup=True,
                                       gupshup_clients=()))  # this test's client: a visitor
    gupshup: LocalGupShup = app.state.services.local  # type: ignore[attr-defined]
    async with client:
        for headers in (CROSS, {"Origin": "https://evil.example"}):
            refused = await client.post(REST, data=_phase_one("9819535746"), headers=headers)
            assert refused.status_code == 403
            img = await client.get(REST, params=_phase_one("9819535746"), headers=headers)
            assert img.status_code == 403
        assert gupshup.outbox.messages() == []
        codes = [(await client.post(REST, data=_phase_one(f"98195357{n:02d}"))).json()
                 ["response"] for n in range(7)]
        assert [c["status"] for c in codes[:5]] == ["success"] * 5
        # Not the call throttle's 113: a refused SMS must stop no other call.
        assert codes[5]["error"]["code"] == 130 and codes[6]["error"]["code"] == 130
        assert len(gupshup.outbox.messages()) == 5  # what the widget form allows, no more
    gupshup.close()


# 2. Host header poisons shared pages
@pytest.mark.parametrize("public_url", ["", "https://widgets.example.org"])
async def test_a_host_header_never_reaches_another_visitors_page(tmp_path: Path,
                                                                 public_url: str) -> None:
    async with widget_env(tmp_path, public_url=public_url, hot_ttl=0.0) as env:
        for path in ("/widget/groups/jumpy", "/widget/public", "/feeds/groups/jumpy.atom"):
            refused = await env.client.get(path, headers={"Host": "evil.example"})
            assert refused.status_code == 421  # not one of its names (second round)
            other = await env.client.get(path, headers={"Host": "w"})  # one of its names
            assert ("http://w/" in other.text) is (not public_url)
            honest = await env.client.get(path)
            assert "http://w/" not in honest.text
            if public_url:
                assert public_url in honest.text


# 7. Membership oracle
async def test_a_phone_at_its_limit_looks_the_same_member_or_not(
        client: httpx.AsyncClient) -> None:
    from tests.helpers import call, error_code

    outcomes = []
    for phone in (FRIEND_PHONE, "9819535746"):  # a member of jumpy, and a stranger
        for _ in range(5):
            await call(client, "groups.subscribeGroupToken", phone=phone, group="mumbaifood")
        outcomes.append(error_code(await call(client, "groups.subscribeGroupToken",
                                              phone=phone, group="jumpy")))
    assert outcomes == [5, 5]


# 8. The customization page's snippets for an invalid name
async def test_no_snippet_is_offered_for_a_name_that_is_markup(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        hostile = 'x"><img src=x onerror=alert(1)>'
        page = await env.client.get("/", params={"group": hostile})
        textareas = re.findall(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S)
        assert textareas and all(t == "" for t in textareas)
        body = (await env.client.get("/", params={"group": hostile},
                                     headers={"Accept": "application/json"})).json()
        assert body["snippets"] == {} and body["problem"]


# 9. A gateway error body is logged verbatim
def test_a_gateway_refusal_is_described_without_its_body() -> None:
    reason = error_reason(400, json.dumps({"status": "error", "message":
                                           "cannot send 'Your code is AB12.'"}))
    assert "AB12" not in reason and reason == "HTTP 400"
    assert "8004" in error_reason(400, json.dumps({"code": 8004, "message": "AB12"}))


# 10. The local GupShup's throttle bookkeeping
def test_the_throttle_keeps_callers_a_day_at_most(tmp_path: Path) -> None:
    clock = ManualClock()
    db = Database(tmp_path / "g.sqlite3")
    throttle = Throttle(db, (25, 990, 9990), (30, 1000, 10000), clock)
    for n in range(PRUNE_EVERY):
        throttle.hit(f"10.0.{n >> 8 & 255}.{n & 255}")
    clock.advance(LONGEST + 1)  # callers never seen again are swept within the next sweep
    for n in range(PRUNE_EVERY):
        throttle.hit(f"10.1.{n >> 8 & 255}.{n & 255}")
    assert db.connection().execute("SELECT COUNT(*) FROM hits").fetchone()[0] == PRUNE_EVERY


def test_the_raw_apis_limits_are_shared_by_every_process_on_its_file(tmp_path: Path) -> None:
    """Red team, second round: with `--workers 2` the raw API's SMS allowance and throttle
    were per process (8-10 codes per address instead of 5)."""
    settings = Settings(data_dir=tmp_path)
    one, two = LocalGupShup(settings), LocalGupShup(settings)  # two processes, one file
    try:
        for n in range(5):
            (one if n % 2 else two).sms_limit.take("203.0.113.5", 1)
        with pytest.raises(ApiError) as refused:
            one.sms_limit.take("203.0.113.5", 1)
        assert refused.value.code == SMS_REFUSED
        for n in range(30):
            (one if n % 2 else two).throttle.hit("203.0.113.6")
        with pytest.raises(ApiError):
            two.throttle.hit("203.0.113.6")
    finally:
        one.close()
        two.close()


# 11. Demo accounts beside a real SMS gateway
def test_no_demo_accounts_beside_a_real_gateway(tmp_path: Path) -> None:
    real = Settings(data_dir=tmp_path / "fresh", sms_gateway="sms-api", sms_app_id="a",
                    sms_api_key="k", sms_source="S")
    fresh = LocalGupShup(real)
    assert fresh.db.connection().execute("SELECT count(*) FROM users").fetchone()[0] == 0
    fresh.close()
    old = Database(tmp_path / "old" / "gupshup.sqlite3")
    seed(old, 0.0)  # a demo made while SMS stayed in the outbox
    old.close()
    switched = LocalGupShup(Settings(**{**real.__dict__, "data_dir": tmp_path / "old"}))
    statuses = {r[0] for r in switched.db.connection().execute("SELECT status FROM users")}
    assert statuses == {"disabled"}
    switched.close()


async def test_the_operator_makes_accounts_and_groups(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import call

    env = {"WIDGET_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    made = subprocess.run([sys.executable, "-m", "widget_server", "gupshup", "add-user",
                           "--phone", "9819500000", "--name", "Owner"], env=env,
                          input="a-long-password\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    group = subprocess.run([sys.executable, "-m", "widget_server", "gupshup", "add-group",
                            "--name", "myclub", "--title", "My Club", "--owner", "9819500000"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert group.returncode == 0, group.stderr
    settings = Settings(data_dir=tmp_path / "data", gupshup_clients=("127.0.0.1",))
    gupshup = LocalGupShup(settings)
    from widget_server.gupshup.app import create_gupshup_app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=create_gupshup_app(settings, service=gupshup)), base_url="http://g") as c:
        from widget_server.protocol import login_rand
        challenge = await call(c, "users.getChallenge")
        token = (await call(c, "users.login", phone="9819500000", countryCode=91,
                            challenge=challenge["challenge"],
                            rand=login_rand("a-long-password", challenge["salt"],
                                            challenge["challenge"])))["token"]
        mine = await call(c, "users.getMyGroups", token=token)
        assert [g["name"] for g in mine["groups"]] == ["myclub"]
    gupshup.close()
    assert DEMO_PASSWORD and DEMO_PHONE  # the demo's are the README's, never these


# 12. The widget's own calls and outside callers on one address
async def test_outside_callers_never_spend_the_widgets_throttle(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", expose_gupshup=True)
    app, client = _app_client(settings)
    async with client:
        for _ in range(30):  # an outside client on this host, up to the upstream's limit
            await client.get(REST, params={"method": "groups.getInfo", "group": "jumpy",
                                           "v": "1.0", "format": "json"})
        last = await client.get(REST, params={"method": "groups.getInfo", "group": "jumpy",
                                              "v": "1.0", "format": "json"})
        assert last.json()["response"]["error"]["code"] == 113
        assert (await client.get("/api/groups/jumpy")).status_code == 200
    app.state.services.local.close()  # type: ignore[attr-defined]


# 14. 500s from odd digits
@pytest.mark.parametrize("path", ["/widget/groups/jumpy?from=\u00b2",
                                  "/widget/public?from=\u00b2",
                                  "/oembed?url=http://widgets/widget/groups/jumpy&maxwidth=\u00b2",
                                  "/oembed?url=http://widgets/widget/groups/jumpy&maxheight=\u2460",
                                  "/api/groups/jumpy/messages?from=\u00b2"])
async def test_odd_digits_are_not_numbers(tmp_path: Path, path: str) -> None:
    async with widget_env(tmp_path) as env:
        assert (await env.client.get(path)).status_code in (200, 400)


# 16. Smaller
async def test_every_answer_says_nosniff_and_the_page_varies_by_accept(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        for path in ("/api/groups/jumpy", "/oembed?url=http://widgets/widget/groups/jumpy",
                     "/feeds/groups/jumpy.atom", "/api/groups/nosuch", "/metrics", "/"):
            answer = await env.client.get(path)
            assert answer.headers["x-content-type-options"] == "nosniff", path
        assert "Accept" in (await env.client.get("/")).headers["vary"]


async def test_the_hot_path_keeps_http_and_https_apart(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        plain = await env.client.get("http://widgets/widget/groups/jumpy")
        secure = await env.client.get("https://widgets/widget/groups/jumpy")
        assert "http://widgets/oembed" in plain.text and "https://widgets/oembed" in secure.text


class Renaming(httpx.AsyncBaseTransport):
    """An upstream that names the group with markup and isolates nothing."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.inner.handle_async_request(request)
        body = json.loads(await answer.aread())
        if "group" in body["response"] and isinstance(body["response"]["group"], dict):
            body["response"]["group"]["name"] = 'x"/><evil a="'
            body["response"]["group"]["title"] = "\u202eevil"
        return httpx.Response(200, json=body)


async def test_a_hostile_upstream_name_breaks_no_feed_and_is_isolated(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.inner = Renaming(env.upstream.inner)
        feed = await env.client.get("/feeds/groups/jumpy.atom")
        root = ElementTree.fromstring(feed.content, forbid_dtd=True)
        ns = "{http://www.w3.org/2005/Atom}"
        assert root.findtext(f"{ns}id", "").endswith("/feeds/groups/jumpy.atom")
        page = (await env.client.get("/widget/groups/jumpy")).text
        assert "<bdi>\u202eevil</bdi>" in page and 'dir="auto"' in page


# 3. One client starves everyone with cache misses
async def test_one_clients_misses_are_limited_and_others_still_served(tmp_path: Path) -> None:
    """Trial: one address asking for 15 made-up group names (each a real call) spent the
    refresh minute; the first views of three real groups from other addresses, and
    another owner's login, then got 503. Each client now takes a third of a use's room."""
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",),
                          client_share=1 / 3) as env:  # the shipped budget and shares
        # A server at work: the public stream has been read (by the feed, or a reader).
        await env.client.get("/api/public", headers={"X-Forwarded-For": "192.0.2.1"})
        flood = {"X-Forwarded-For": "203.0.113.9"}
        before = len(env.upstream.requests)
        statuses = [(await env.client.get(f"/api/groups/madeup{n}", headers=flood)).status_code
                    for n in range(15)]
        assert 404 in statuses and statuses[-1] == 429
        calls = len(env.upstream.requests)
        assert calls - before <= env.services.budget.rules["guess"].room[0] // 3
        refused = await env.client.get("/api/groups/madeup99", headers=flood)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert len(env.upstream.requests) == calls  # refused before any call
        for n, group in enumerate(("jumpy", "cricketbuzz", "shayari")):
            other = await env.client.get(f"/api/groups/{group}",
                                         headers={"X-Forwarded-For": f"198.51.100.{n}"})
            assert other.status_code == 200, group
        assert (await _console_login(env, "192.0.2.77")).status_code == 303


async def test_one_addresss_logins_leave_room_for_another_owner(tmp_path: Path) -> None:
    """Red team: 9 logins from one address in a second left another owner's login, a
    visitor's cold widget and a cold API key at 503. Logins are now limited per address
    before any call (two a minute: a third of the console's room)."""
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",),
                          client_share=1 / 3) as env:
        attempts = [(await _console_login(env, "203.0.113.8")).status_code for _ in range(12)]
        assert attempts[:2] == [303, 303] and set(attempts[2:]) == {429}
        assert env.upstream.methods().count("users.login") == 2  # refused: no call
        assert (await _console_login(env, "192.0.2.77")).status_code == 303
        for n, group in enumerate(("jumpy", "cricketbuzz", "shayari")):
            other = await env.client.get(f"/api/groups/{group}",
                                         headers={"X-Forwarded-For": f"198.51.100.{n}"})
            assert other.status_code == 200, group


async def _console_login(env: Env, address: str) -> httpx.Response:
    return await env.client.post("/console/login", data={
        "phone": DEMO_PHONE, "password": DEMO_PASSWORD}, headers={
        "X-Forwarded-For": address, "Origin": "http://widgets"})


async def test_an_offset_past_the_end_costs_no_call(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        first = (await env.client.get("/api/groups/jumpy/messages")).json()
        calls = len(env.upstream.requests)
        for start in (first["total"], 5000, 99999):
            beyond = await env.client.get(f"/api/groups/jumpy/messages?from={start}")
            assert beyond.status_code == 200 and beyond.json()["messages"] == []
        assert len(env.upstream.requests) == calls


async def test_keys_asked_for_once_do_not_stretch_everyones_freshness(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=(200, 950, 9500)) as env:
        for _ in range(2):
            await env.client.get("/api/groups/jumpy")
        env.clock.advance(1)
        before = env.data.cache.planner.uniform()
        for start in range(15, 15 + 25):  # one-off pages nobody comes back to
            await env.client.get(f"/api/groups/cricketbuzz/messages?from={start}")
        env.clock.advance(1)
        assert env.data.cache.planner.uniform() == before


# 13. Cheap lock-outs
class RefusingPhones(httpx.AsyncBaseTransport):
    """An upstream that refuses every phone: nothing is ever sent."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"response": {"status": "error", "error": {
            "code": 2, "msg": "The specified phone number is invalid."}}})


async def test_attempts_that_send_nothing_lock_no_group(tmp_path: Path) -> None:
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",),
                          budget=(200, 950, 9500), **kept((150, 50, 500))) as env:
        inner, env.upstream.inner = env.upstream.inner, RefusingPhones()
        for n in range(70):  # more than the group's 60 an hour, from many clients
            answer = await env.client.post("/api/groups/jumpy/subscribe", data={
                "phone": f"98{n:08d}"}, headers={"Sec-Fetch-Site": "same-origin",
                                                 "X-Forwarded-For": f"10.9.{n}.1"})
            assert answer.status_code == 400
            env.clock.advance(2.5)
        env.upstream.inner = inner
        real = await env.client.post("/api/groups/jumpy/subscribe", data={
            "phone": "9819535746"}, headers={"Sec-Fetch-Site": "same-origin",
                                             "X-Forwarded-For": "10.9.200.1"})
        assert real.status_code == 200 and real.json()["code"] == "code_sent"


async def test_one_client_cannot_spend_the_confirmations_share(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        tickets = [(await env.client.post("/api/groups/jumpy/subscribe", data={
            "phone": phone}, headers={"Sec-Fetch-Site": "same-origin"})).json()["ticket"]
            for phone in ("9819535746", "9819535747")]
        statuses = []
        for n in range(6):  # three wrong codes on each: no ticket is locked
            statuses.append((await env.client.post(
                "/api/groups/jumpy/subscribe/confirm", headers={"Sec-Fetch-Site": "same-origin"},
                data={"ticket": tickets[n % 2], "code": "ZZZZ"})).status_code)
        assert statuses == [400] * 5 + [429]  # five upstream calls a minute, not twenty


# 15. The webhook
async def test_the_webhook_refuses_deep_json_and_forgets_stray_reports(tmp_path: Path) -> None:
    from widget_server.gupshup.app import create_gupshup_app

    clock = ManualClock()
    settings = Settings(data_dir=tmp_path / "data", sms_webhook_secret="s3cret")
    gupshup = LocalGupShup(settings, clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=create_gupshup_app(settings, service=gupshup)), base_url="http://g") as client:
        secret = {"X-Webhook-Secret": "s3cret"}
        deep = await client.post("/webhooks/sms/dlr", content=b"[" * 15_000, headers=secret)
        assert deep.status_code == 400
        stray = await client.post("/webhooks/sms/dlr", headers=secret, json={
            "destination": "919819535746", "messageId": "never-ours", "ts": "1",
            "status": "delivered"})
        assert stray.status_code == 204
    count = "SELECT count(*) FROM sms_events"
    assert gupshup.db.connection().execute(count).fetchone()[0] == 1
    clock.advance(86_401)
    gupshup.reports.apply()
    assert gupshup.db.connection().execute(count).fetchone()[0] == 0
    gupshup.close()


# 16. /metrics
async def test_metrics_can_be_kept_to_those_with_the_token(tmp_path: Path) -> None:
    async with widget_env(tmp_path, metrics_token="m-token") as env:
        assert (await env.client.get("/metrics")).status_code == 401
        allowed = await env.client.get("/metrics", headers={"Authorization": "Bearer m-token"})
        assert allowed.status_code == 200 and "widget_cache_keys" in allowed.text


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


async def test_the_data_directory_is_not_world_readable(tmp_path: Path) -> None:
    """Red team, second round: the SQLite files (owners' tokens, digests, pending codes)
    were 0644. Every file the server makes is 0600, SQLite's -wal and -shm included, in a
    0700 directory."""
    async with widget_env(tmp_path) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        await env.client.post("/api/groups/jumpy/subscribe", data={"phone": "9819535746"},
                              headers=SAME_ORIGIN)
        data = tmp_path / "data"
        files = {p.name: _mode(p) for p in data.iterdir()}  # while the files are open
    assert {"gupshup.sqlite3", "state.sqlite3", "secret_key"} <= set(files)
    assert any(name.endswith("-wal") for name in files)
    assert _mode(data) == 0o700 and set(files.values()) == {0o600}, files


def test_an_older_data_directory_is_made_private_at_start(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    SqliteState(data / "state.sqlite3", lambda: 0.0).close()
    (data / "gupshup.sqlite3").touch()
    for path in (data, *data.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    with caplog.at_level(logging.WARNING, logger="widget_server.data"):
        create_app(Settings(data_dir=data)).state.services.local.close()
    assert _mode(data) == 0o700
    assert {_mode(p) for p in data.iterdir()} == {0o600}
    assert any("made private" in r.getMessage() for r in caplog.records)


def test_a_state_file_elsewhere_leaves_its_folder_alone(tmp_path: Path) -> None:
    """A store file outside the data directory (a test's /tmp) is private itself, and its
    folder and neighbours are left as they were."""
    tmp_path.chmod(0o755)
    neighbour = tmp_path / "neighbour.txt"
    neighbour.write_text("x")
    neighbour.chmod(0o644)
    SqliteState(tmp_path / "state.sqlite3", lambda: 0.0).close()
    assert _mode(tmp_path / "state.sqlite3") == 0o600
    assert _mode(tmp_path) == 0o755 and _mode(neighbour) == 0o644


async def test_the_shared_error_page_keeps_its_status_and_its_auto_retry(
        tmp_path: Path) -> None:
    """Red team, second round: the error page was cached without its status, so one
    client's 429 stripped the auto-retry from everyone's 503 widget."""
    async with widget_env(tmp_path, client_share=0.01, hot_ttl=0.0) as env:
        limited = await env.client.get("/widget/groups/jumpy")  # its second miss: refused
        assert limited.status_code == 429 and "http-equiv" not in limited.text
        env.clock.advance(61)
        env.upstream.mode = "connect"
        down = await env.client.get("/widget/groups/cricketbuzz")
        assert down.status_code == 503
        assert '<meta http-equiv="refresh" content="10">' in down.text


async def test_every_answer_varies_on_what_it_varies_on(tmp_path: Path) -> None:
    """Red team, second round: `/` said `Vary: Accept-Encoding` only, though it answers
    JSON or HTML by `Accept`: a cache could hand the JSON to a browser."""
    async with widget_env(tmp_path) as env:
        for accept, varies in (("text/html", {"Accept", "Accept-Encoding", "Accept-Language"}),
                               ("application/json", {"Accept", "Accept-Language"})):
            vary = (await env.client.get("/", headers={"Accept": accept})).headers["vary"]
            assert {v.strip() for v in vary.split(",")} == varies


async def test_metrics_are_not_public_by_default(tmp_path: Path) -> None:
    """Red team, second round: `/metrics` was public unless a token was set (the budget's
    remaining calls are a timer for an attack on it)."""
    async with widget_env(tmp_path) as env:
        assert (await env.client.get("/metrics")).status_code == 200  # from this machine
        outside = httpx.ASGITransport(app=env.app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=outside, base_url="http://w") as far:
            refused = await far.get("/metrics")
        assert refused.status_code == 403 and "WIDGET_METRICS_TOKEN" in refused.text


async def test_dns_rebinding_meets_an_allow_list_of_hosts(tmp_path: Path) -> None:
    """Red team, second round: any `Host` was accepted, so a page whose name re-resolved
    to the server was same-origin with it and its forms passed the cross-site checks."""
    async with widget_env(tmp_path, public_url="https://widgets.example.org",
                          allowed_hosts=("widgets",)) as env:
        rebound = await env.client.post(
            "/api/groups/jumpy/subscribe", data={"phone": "9819535746"},
            headers={"Host": "attacker.example", "Origin": "http://attacker.example"})
        assert rebound.status_code == 421 and "WIDGET_ALLOWED_HOSTS" in rebound.text
        assert env.upstream.requests == []
        for host in ("widgets.example.org", "WIDGETS.example.org:443", "localhost:8000",
                     "127.0.0.1", "[::1]:8000", "widgets"):
            assert (await env.client.get("/healthz", headers={"Host": host})).status_code \
                == 200, host
        assert (await env.client.get("/healthz", headers={"Host": "evil.example"})
                ).status_code == 421


async def test_no_header_can_claim_the_widget_servers_own_identity(tmp_path: Path) -> None:
    """Red team, second round: behind a pass-through trusted proxy, `X-Forwarded-For:
    widget-server` became the unlimited in-process identity. That identity is now a
    secret of the process, which no header can name."""
    settings = Settings(data_dir=tmp_path / "data", trusted_proxies=("127.0.0.1",))
    gupshup = LocalGupShup(settings)
    # uvicorn's own proxy-header handling, as `--forwarded-allow-ips` runs it.
    behind_proxy = ProxyHeadersMiddleware(
        create_gupshup_app(settings, service=gupshup),  # type: ignore[arg-type]
        trusted_hosts="127.0.0.1")
    transport = httpx.ASGITransport(app=behind_proxy,  # type: ignore[arg-type]
                                    client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as proxy:
        for claimed in ("widget-server", "in-process"):
            codes = [(await proxy.post(REST, data=_phase_one(f"98195358{n:02d}"), headers={
                "X-Forwarded-For": claimed})).json()["response"] for n in range(6)]
            assert codes[5]["status"] == "error" and codes[5]["error"]["code"] == SMS_REFUSED
    gupshup.close()


async def _login_from(gupshup: LocalGupShup, address: str, password: str) -> int | None:
    """users.login from `address` over the raw API; its error code (None: logged in)."""
    app = create_gupshup_app(gupshup.settings, service=gupshup)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 0)),
                                 base_url="http://gupshup") as client:
        challenge = await call(client, "users.getChallenge")
        body = await call(client, "users.login", phone=DEMO_PHONE, countryCode="91",
                          challenge=challenge["challenge"], rand=login_rand(
                              password, challenge["salt"], challenge["challenge"]))
        return error_code(body)


@pytest.mark.anyio
async def test_the_raw_apis_login_is_limited_per_account(tmp_path: Path) -> None:
    """Red team, second round: `users.login` had no per-account limit (14 wrong passwords
    from two addresses, then the right one logged in; the console locks after 5)."""
    gupshup = LocalGupShup(Settings(data_dir=tmp_path), ManualClock())
    try:
        for _ in range(5):
            assert await _login_from(gupshup, "198.51.100.1", "guess") == 121
        assert await _login_from(gupshup, "198.51.100.1", DEMO_PASSWORD) == 121  # stopped
        assert await _login_from(gupshup, "198.51.100.2", DEMO_PASSWORD) is None  # the owner
        for n in range(30):  # the number's cap, from many addresses
            assert await _login_from(gupshup, f"198.51.101.{n // 2}", "guess") == 121
        assert await _login_from(gupshup, "198.51.101.0", DEMO_PASSWORD) == 121  # failed there
        assert await _login_from(gupshup, "198.51.102.1", DEMO_PASSWORD) is None  # never failed
    finally:
        gupshup.close()


BODY_ROUTES = ["/widget/groups/jumpy/subscribe", "/api/groups/jumpy/subscribe/confirm",
               "/console/login", "/GupshupAPI/rest", "/webhooks/sms/dlr"]


@pytest.mark.anyio
@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_form_routes_no_longer_parse_bodies_of_any_size(tmp_path: Path,
                                                              path: str) -> None:
    """Red team, second round: form routes parsed bodies of any size (8 MB of `&` cost
    1.3-1.5 s of CPU)."""
    app = create_app(Settings(data_dir=tmp_path / "data", expose_gupshup=True,
                              sms_webhook_secret="s3cret"))
    form = {"content-type": "application/x-www-form-urlencoded", "x-webhook-secret": "s3cret"}
    async with serving(app) as client:
        started = time.perf_counter()
        answer = await client.post(path, content=b"&" * (8 * 1024 * 1024), headers={
            **form, "sec-fetch-site": "same-origin"})
        assert answer.status_code == 413 and answer.headers["connection"] == "close"
        assert time.perf_counter() - started < 0.5

        async def trickle() -> AsyncIterator[bytes]:  # chunked: no length declared
            for _ in range(100):
                yield b"&" * 1024
        assert (await client.post(path, content=trickle(), headers=form)).status_code == 413


def test_an_unfinished_body_no_longer_holds_its_connection(tmp_path: Path) -> None:
    """Red team, second round: a request body that never finished held its connection for
    ever."""
    app = create_app(Settings(data_dir=tmp_path / "data", body_timeout=1.0))
    with live_server(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /widget/groups/jumpy/subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Content-Length: 100\r\n\r\nphone=98")
            started = time.monotonic()
            answer = sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in answer
            assert sock.recv(4096) == b""  # and the connection is closed
            assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_members_and_strangers_now_answer_and_cost_the_same(tmp_path: Path) -> None:
    """Red team, second round: the membership oracle moved. Five attempts for a member were
    taken back and the sixth answered `code_sent`, while a stranger's sixth answered 429;
    the raw API answered phase I with error 8 for members. The rule now: every phase I
    attempt is counted against the client, the phone and the group whatever the phone's
    membership, and sends one SMS (a code, or to a member a note that none is needed)."""
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",)) as env:
        answers: dict[str, list[tuple[int, str]]] = {}
        for phone in (FRIEND_PHONE, "9819535746"):  # a member of jumpy, and a stranger
            answers[phone] = []
            for n in range(6):  # from six addresses: the phone's own limit is what shows
                response = await env.client.post("/api/groups/jumpy/subscribe", data={
                    "phone": phone}, headers={"Sec-Fetch-Site": "same-origin",
                                              "X-Forwarded-For": f"192.0.2.{n}"})
                answers[phone].append((response.status_code, response.json()["code"]))
        assert answers[FRIEND_PHONE] == answers["9819535746"]
        assert answers[FRIEND_PHONE][-1] == (429, "too_many")
    gupshup = LocalGupShup(Settings(data_dir=tmp_path / "raw"), ManualClock())
    try:
        app = create_gupshup_app(gupshup.settings, service=gupshup)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(
                app=app, client=("198.51.100.9", 0)), base_url="http://g") as client:
            member = await call(client, "groups.subscribeGroupToken", phone=FRIEND_PHONE,
                                group="jumpy")
            stranger = await call(client, "groups.subscribeGroupToken", phone="9819535746",
                                  group="jumpy")
        assert member.keys() == stranger.keys() and member["status"] == "success"
        assert [m.kind for m in gupshup.outbox.messages(FRIEND_PHONE)] == ["code"]
    finally:
        gupshup.close()


async def test_one_ipv6_network_is_one_client(tmp_path: Path) -> None:
    """A host may take any address of its /64 at will: the share is the network's."""
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",),
                          client_share=1 / 3) as env:
        await env.client.get("/api/public")  # a server at work: names on it are known
        share = env.services.budget.rules["guess"].share
        assert share is not None
        for n in range(share[0]):
            answer = await env.client.get(f"/api/groups/madeup{n}",
                                          headers={"X-Forwarded-For": f"2001:db8::{n + 1}"})
            assert answer.status_code == 404
        same = await env.client.get("/api/groups/madeupx",
                                    headers={"X-Forwarded-For": "2001:db8::ffff"})
        assert same.status_code == 429
        other = await env.client.get("/api/groups/madeupy",
                                     headers={"X-Forwarded-For": "2001:db8:0:1::1"})
        assert other.status_code == 404


async def test_the_sms_allowance_counts_only_what_really_goes(tmp_path: Path) -> None:
    """Trial: the allowance was charged before the call was checked (a bogus token with
    6 numbers got 113, not 6; an invalid phone counted), an invite list past 5 numbers was
    refused whole, and its 113 read as the call throttle."""
    gupshup = LocalGupShup(Settings(data_dir=tmp_path / "data"))
    app = create_gupshup_app(gupshup.settings, service=gupshup)
    stranger = httpx.ASGITransport(app=app, client=("203.0.113.7", 0))  # not trusted
    async with httpx.AsyncClient(transport=stranger, base_url="http://gupshup") as client:
        for _ in range(6):  # invalid phones and unknown groups send nothing, cost nothing
            assert error_code(await call(client, "groups.subscribeGroupToken",
                                         group="jumpy", phone="12345")) == 2
            assert error_code(await call(client, "groups.subscribeGroupToken",
                                         group="nosuchgroup", phone="9819535746")) == 1
        numbers = ",".join(f"98195360{n:02d}" for n in range(7))
        assert error_code(await call(client, "groups.inviteFriends", token="bogus",
                                     phoneNumbers=numbers)) == 6
        challenge = await call(client, "users.getChallenge")
        token = (await call(client, "users.login", phone=DEMO_PHONE, countryCode="91",
                            challenge=challenge["challenge"], rand=login_rand(
                                DEMO_PASSWORD, challenge["salt"],
                                challenge["challenge"])))["token"]
        invited = await call(client, "groups.inviteFriends", token=token, groupName="jumpy",
                             phoneNumbers=numbers)
        assert error_code(invited) == 162  # the documented list, taken: 5 invited
        outcomes = [r["status"] for r in invited["results"]]
        assert outcomes == ["success"] * 5 + ["error"] * 2
        assert "No SMS was sent" in invited["results"][5]["reason"]
        refused = await call(client, "groups.subscribeGroupToken", group="jumpy",
                             phone="9819535746")
        assert error_code(refused) == SMS_REFUSED and "throttle" not in str(refused)
        assert error_code(await call(client, "groups.getInfo", group="jumpy")) is None
    gupshup.close()
