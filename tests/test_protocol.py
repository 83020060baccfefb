"""Protocol fidelity, from an audit of the documented (method, behaviour, code) pairs: the
local GupShup's side. Each test reproduces one finding."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import REST, call, error_code, parse
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE, FRIEND_PHONE
from widget_server.gupshup.throttle import Throttle

pytestmark = pytest.mark.anyio
PHONE = "9819535746"


async def login(client: httpx.AsyncClient, phone: str = DEMO_PHONE,
                password: str = DEMO_PASSWORD) -> str:
    from widget_server.protocol import login_rand

    challenge = await call(client, "users.getChallenge")
    body = await call(client, "users.login", phone=phone, countryCode=91,
                      challenge=challenge["challenge"],
                      rand=login_rand(password, challenge["salt"], challenge["challenge"]))
    return str(body["token"])


async def raw(client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    response = await client.get(REST, params={"v": "1.0", **params})
    assert response.status_code == 200
    return response


# 1. XML can be made ill-formed
async def test_control_characters_are_refused_as_bad_text(client: httpx.AsyncClient) -> None:
    token = await login(client)
    for method, text in (("groups.postMessage", "bell\x07here"),
                         ("groups.postReply", "@jumpy esc\x1bape")):
        body = await call(client, method, token=token, groupName="jumpy", text=text)
        assert error_code(body) == 125


async def test_xml_never_carries_a_character_xml_forbids(gupshup: LocalGupShup,
                                                         client: httpx.AsyncClient) -> None:
    with gupshup.db.write() as conn:  # however it got there
        conn.execute("UPDATE messages SET text = ? WHERE group_id = (SELECT id FROM groups "
                     "WHERE name = 'jumpy')", ("nul\x00 and vt\x0b",))
    for params in ({"method": "groups.getStream", "group": "jumpy"},
                   {"method": "groups.getMessage", "group": "jumpy"},
                   {"method": "gupshup.getPublicStream"},
                   {"method": "no.such\x01method"}, {"method": "groups.getInfo",
                                                     "format": "x\x02ml"}):
        response = await raw(client, **params)
        ElementTree.fromstring(response.content, forbid_dtd=True)  # well-formed
    stream = parse(await raw(client, method="groups.getStream", group="jumpy"))
    assert stream["messages"][0]["text"] == "nul\ufffd and vt\ufffd"


# 2. The throttle tag appears only on successes
async def test_errors_past_the_warn_value_carry_the_throttle_tag(
        gupshup: LocalGupShup, client: httpx.AsyncClient, clock: ManualClock) -> None:
    gupshup.throttle = Throttle(gupshup.db, (0, 990, 9990), (30, 1000, 10000), clock)
    body = await call(client, "groups.getInfo", group="nosuchgroup")
    assert error_code(body) == 2
    assert body["throttle"] == {"window": "minute", "count": 1, "warn": 0, "limit": 30}


# 3. Non-integer from/range
@pytest.mark.parametrize(("method", "name", "code"), [
    ("users.getJoinedGroups", "range", 131), ("users.getJoinedGroups", "from", 150),
    ("users.getJoinedGroupsStream", "range", 131), ("users.getJoinedGroupsStream", "from", 150),
    ("groups.getReplies", "range", 131), ("groups.getReplies", "from", 150)])
async def test_non_integers_get_the_methods_own_codes(client: httpx.AsyncClient, method: str,
                                                      name: str, code: int) -> None:
    token = await login(client, FRIEND_PHONE, "friend123")
    body = await call(client, method, token=token, groupName="jumpy", **{name: "1.5"})
    assert error_code(body) == code


# 4. groups.postMessage at the per-IP limit
async def test_post_message_throttled_is_127_with_the_throttle_object(
        gupshup: LocalGupShup, client: httpx.AsyncClient, clock: ManualClock) -> None:
    token = await login(client)
    gupshup.throttle = Throttle(gupshup.db, (0, 0, 0), (0, 10, 10), clock)
    body = await call(client, "groups.postMessage", token=token, groupName="jumpy", text="hi")
    assert error_code(body) == 127  # the count is the calls already in the minute: the login's
    assert body["throttle"] == {"window": "minute", "count": 2, "warn": 0, "limit": 0}


async def test_the_posting_pace_also_says_which_limit(client: httpx.AsyncClient) -> None:
    token = await login(client)
    for n in range(10):
        await call(client, "groups.postMessage", token=token, groupName="jumpy", text=f"p{n}")
    body = await call(client, "groups.postMessage", token=token, groupName="jumpy", text="p")
    assert error_code(body) == 127 and body["throttle"]["limit"] == 10


# 5. users.getMyGroups capped range at 30 with 111
async def test_my_groups_takes_any_positive_range(client: httpx.AsyncClient) -> None:
    token = await login(client)
    body = await call(client, "users.getMyGroups", token=token, range=500)
    assert body["status"] == "success" and body["range"] == 500 and len(body["groups"]) >= 9


# 6. A confirm string of the wrong shape
@pytest.mark.parametrize("confirm", ["ABC", "AB!D", "ABCDE", "\u0915\u0916\u0917\u0918"])
async def test_a_confirm_of_any_shape_is_an_invalid_attempt(client: httpx.AsyncClient,
                                                            confirm: str) -> None:
    token = (await call(client, "groups.subscribeGroupToken", phone=PHONE,
                        group="jumpy"))["token"]
    attempt = {"phone": PHONE, "group": "jumpy", "token": token, "confirm": confirm}
    codes = [error_code(await call(client, "groups.subscribeGroupToken", **attempt))
             for _ in range(6)]
    assert codes == [7, 7, 7, 7, 7, 9]


# 7. Partial success
async def test_partial_success_counts_each_item_and_a_repeat_is_refused(
        client: httpx.AsyncClient) -> None:
    token = await login(client)
    text = "@jumpy @nosuchgroup hello"
    body = await call(client, "groups.postReply", token=token, text=text)
    assert error_code(body) == 157 and (body["done"], body["failed"]) == (1, 1)
    assert sorted(r["status"] for r in body["results"]) == ["error", "success"]
    again = await call(client, "groups.postReply", token=token, text=text)
    assert error_code(again) == 128  # a client retrying the 157 posts nothing twice
    xml = parse(await raw(client, method="groups.postReply", token=token, format="xml",
                          text="@jumpy @nosuch2 once more"))
    assert xml["done"] == "1" and xml["failed"] == "1"


# 8. Login: the docs' plain reading, hex digests
async def test_login_takes_the_hex_reading_of_rand_too(client: httpx.AsyncClient) -> None:
    challenge = await call(client, "users.getChallenge")

    def md5hex(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()
    rand = md5hex(md5hex(DEMO_PASSWORD + challenge["salt"]) + challenge["challenge"])
    body = await call(client, "users.login", phone=DEMO_PHONE, countryCode=91,
                      challenge=challenge["challenge"], rand=rand)
    assert body["status"] == "success" and body["token"]


# Any input: a well-formed document in the envelope, never a 500
_METHODS = ["gupshup.getPublicStream", "groups.getStream", "groups.getMessage",
            "groups.getInfo", "groups.subscribeGroupToken", "groups.subscribeToken",
            "users.getChallenge", "users.login", "groups.postMessage", "users.getMyGroups",
            "users.logout", "users.getJoinedGroups", "users.getJoinedGroupsStream",
            "groups.postReply", "groups.getReplies", "groups.inviteFriends"]
_NAMES = ["group", "groupName", "from", "range", "phone", "token", "confirm", "text",
          "skipAdult", "getAll", "phoneNumbers", "countryCode", "challenge", "rand", "v",
          "format"]
_VALUES = st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12).map(str),
                    st.sampled_from(["jumpy", "hush", "oldnews", "xml", "JSON", "1.0", "",
                                     PHONE, "9821107770", "true", "0" * 32, "1e999", "NaN"]))


@pytest.fixture(scope="module")
def shared_gupshup(tmp_path_factory: pytest.TempPathFactory) -> LocalGupShup:
    from widget_server.settings import Settings
    settings = Settings(data_dir=tmp_path_factory.mktemp("prop"),
                        throttle_warn=(10**6,) * 3, throttle_limit=(10**6 + 1,) * 3)
    return LocalGupShup(settings, ManualClock())


@given(st.sampled_from(_METHODS), st.dictionaries(st.sampled_from(_NAMES), _VALUES,
                                                    max_size=6),
       st.sampled_from(["json", "xml", None]), st.booleans())
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_input_gets_a_well_formed_envelope(shared_gupshup: LocalGupShup,
                                                     method: str, params: dict[str, str],
                                                     fmt: str | None, post: bool) -> None:
    app = create_gupshup_app(shared_gupshup.settings, service=shared_gupshup)
    fields = {"method": method, "v": "1.0", **params}
    if fmt is not None and "format" not in params:
        fields["format"] = fmt
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://g") as client:
        response = await (client.post(REST, data=fields) if post
                          else client.get(REST, params=fields))
    assert response.status_code == 200
    body = parse(response)  # a real parser: fails on anything not well-formed
    assert body["status"] in ("success", "error")
    if body["status"] == "error":
        assert int(body["error"]["code"]) != 129, body
        assert body["error"]["msg"] and not re.search(r"%[0-9s<]", body["error"]["msg"])
