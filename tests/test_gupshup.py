"""The local GupShup's behaviour: throttle windows, login, subscription, posts, storage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.helpers import REST, call, error_code, parse
from tests.test_gupshup_errors import Ctx
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE
from widget_server.gupshup.errors import ApiError
from widget_server.gupshup.store import Database
from widget_server.gupshup.throttle import Throttle
from widget_server.protocol import login_rand
from widget_server.settings import Settings

pytestmark = pytest.mark.anyio


def test_throttle_tags_past_warn_refuses_at_limit_and_recovers(tmp_path: Path) -> None:
    clock = ManualClock()
    throttle = Throttle(Database(tmp_path / "g.sqlite3"), (25, 990, 9990), (30, 1000, 10000),
                        clock)
    tags = [throttle.hit("1.2.3.4") for _ in range(30)]
    assert tags[:25] == [None] * 25
    assert [t.count for t in tags[25:] if t] == [26, 27, 28, 29, 30]
    assert {t.window for t in tags[25:] if t} == {"minute"}
    with pytest.raises(ApiError) as refused:
        throttle.hit("1.2.3.4")
    assert getattr(refused.value, "code", None) == 113
    assert throttle.hit("5.6.7.8") is None  # per IP
    clock.advance(30)
    with pytest.raises(ApiError):
        throttle.hit("1.2.3.4")  # a sliding window: half a minute later, still full
    clock.advance(30.01)
    assert throttle.hit("1.2.3.4") is None  # the window slid past every call


def test_throttle_hour_and_day_windows(tmp_path: Path) -> None:
    clock = ManualClock()
    throttle = Throttle(Database(tmp_path / "g.sqlite3"), (25, 990, 9990), (30, 1000, 10000),
                        clock)
    for _ in range(1000):
        throttle.hit("ip")
        clock.advance(3.0)  # 20 a minute: never the minute limit
    with pytest.raises(ApiError) as refused:
        throttle.hit("ip")
    assert "hour" in str(refused.value.args)
    clock.advance(3600)
    tag = throttle.hit("ip")
    assert tag is None or tag.window != "minute"


async def test_throttle_tag_in_both_formats(tmp_path: Path) -> None:
    clock = ManualClock()
    settings = Settings(data_dir=tmp_path, throttle_warn=(2, 990, 9990),
                        throttle_limit=(3, 1000, 10000))
    gupshup = LocalGupShup(settings, clock)
    app = create_gupshup_app(settings, service=gupshup)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://g") as client:
        assert "throttle" not in await call(client, "groups.getInfo", group="jumpy")
        assert "throttle" not in await call(client, "groups.getInfo", group="jumpy")
        tagged = await call(client, "groups.getInfo", "xml", group="jumpy")
        assert tagged["throttle"] == {"window": "minute", "count": "3", "warn": "2",
                                      "limit": "3"}
        refused = await call(client, "groups.getInfo", group="jumpy")
        assert error_code(refused) == 113
        assert refused["error"]["msg"].endswith('throttle minute limit of "3".')
        clock.advance(61)
        assert (await call(client, "groups.getInfo", group="jumpy"))["status"] == "success"
    gupshup.close()


async def test_login_flow_end_to_end(client: httpx.AsyncClient, clock: ManualClock) -> None:
    challenge = await call(client, "users.getChallenge")
    rand = login_rand(DEMO_PASSWORD, challenge["salt"], challenge["challenge"])
    login = {"phone": DEMO_PHONE, "countryCode": "91", "challenge": challenge["challenge"],
             "rand": rand}
    token = (await call(client, "users.login", **login))["token"]
    assert error_code(await call(client, "users.login", **login)) == 121  # single use
    groups = await call(client, "users.getMyGroups", "xml", token=token)
    assert "jumpy" in [g["name"] for g in groups["groups"]]
    await call(client, "users.logout", token=token)
    assert error_code(await call(client, "users.getMyGroups", token=token)) == 6


async def test_challenge_expires_and_sessions_expire(client: httpx.AsyncClient,
                                                    clock: ManualClock) -> None:
    challenge = await call(client, "users.getChallenge")
    rand = login_rand(DEMO_PASSWORD, challenge["salt"], challenge["challenge"])
    clock.advance(301)
    late = await call(client, "users.login", phone=DEMO_PHONE, countryCode=91,
                      challenge=challenge["challenge"], rand=rand)
    assert error_code(late) == 121
    token = await Ctx(client, None).login()  # type: ignore[arg-type]
    clock.advance(24 * 3600 + 1)
    assert error_code(await call(client, "users.getMyGroups", token=token)) == 6


async def test_subscription_two_phases(client: httpx.AsyncClient, gupshup: LocalGupShup) -> None:
    before = (await call(client, "groups.getInfo", group="jumpy"))["group"]["members"]
    token = (await call(client, "groups.subscribeGroupToken", phone="+91 98195 35746",
                        group="jumpy"))["token"]
    sms = gupshup.outbox.messages("9819535746")
    assert len(sms) == 1 and sms[0].kind == "code"
    code = sms[0].text.split(" is ")[1][:4]
    done = await call(client, "groups.subscribeToken", phone="9819535746", group="jumpy",
                      token=token, confirm=code.lower())
    assert done["subscribed"] is True
    after = (await call(client, "groups.getInfo", group="jumpy"))["group"]["members"]
    assert after == before + 1
    again = await call(client, "groups.subscribeGroupToken", phone="9819535746",
                       group="jumpy", token=token, confirm=code)
    assert error_code(again) == 6  # a token is good once


async def test_post_fans_out_to_subscribers(client: httpx.AsyncClient,
                                            gupshup: LocalGupShup) -> None:
    token = await Ctx(client, gupshup).login()
    body = await call(client, "groups.postMessage", token=token, groupName="jumpy",
                      text="<script>alert(1)</script> & more")
    assert body["message"]["text"] == "<script>alert(1)</script> & more"
    stream = await call(client, "groups.getStream", "xml", group="jumpy", range=1)
    assert stream["messages"][0]["text"] == "<script>alert(1)</script> & more"
    posts = [m for m in gupshup.outbox.messages() if m.kind == "post"]
    assert len(posts) == 3  # the demo subscribers of jumpy


async def test_public_stream_skips_adult_by_default(client: httpx.AsyncClient) -> None:
    safe = await call(client, "gupshup.getPublicStream", range=15)
    assert all(m["adult"] is False for m in safe["messages"])
    groups = {m["group"] for m in safe["messages"]}
    assert "hush" not in groups and "latenight" not in groups
    everything = await call(client, "gupshup.getPublicStream", skipAdult="FALSE", range=15)
    assert everything["status"] == "success"


async def test_data_survives_restart_and_demo_is_not_duplicated(settings: Settings) -> None:
    first = LocalGupShup(settings)
    count = first.db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    first.db.connection().execute("INSERT INTO messages (group_id, text, time) VALUES (1,'x',1)")
    first.close()
    second = LocalGupShup(settings)
    assert second.db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0] \
        == count + 1
    assert second.db.connection().execute(
        "SELECT COUNT(*) FROM groups WHERE name = 'jumpy'").fetchone()[0] == 1
    second.close()


async def test_concurrent_subscriptions_are_safe(client: httpx.AsyncClient,
                                                 gupshup: LocalGupShup) -> None:
    phones = [f"98195357{n:02d}" for n in range(20)]
    results = await asyncio.gather(*[
        call(client, "groups.subscribeGroupToken", phone=p, group="jumpy") for p in phones])
    assert all(r["status"] == "success" for r in results)
    assert len(gupshup.outbox.messages(limit=100)) == 20


async def test_forwarded_header_only_from_trusted_proxy(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, throttle_limit=(1, 1000, 10000),
                        trusted_proxies=("127.0.0.1",))
    gupshup = LocalGupShup(settings)
    app = create_gupshup_app(settings, service=gupshup)
    query = {"method": "groups.getInfo", "group": "jumpy", "v": "1.0", "format": "json"}
    outcomes = {}
    for peer in ("127.0.0.1", "10.9.9.9"):
        transport = httpx.ASGITransport(app=app, client=(peer, 1000))
        async with httpx.AsyncClient(transport=transport, base_url="http://g") as client:
            bodies = [parse(await client.get(REST, params=query, headers={
                "x-forwarded-for": f"{ip}, {peer}"})) for ip in ("1.1.1.1", "2.2.2.2")]
        outcomes[peer] = [b["status"] for b in bodies]
    # Behind the trusted proxy each forwarded client has its own budget; a direct peer
    # cannot buy itself a fresh one by writing the header.
    assert outcomes == {"127.0.0.1": ["success", "success"], "10.9.9.9": ["success", "error"]}
    gupshup.close()
