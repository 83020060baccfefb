"""Protocol fidelity of the widget server's upstream client, from the same audit: each test
reproduces one finding against the local GupShup or an upstream that answers otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.harness import widget_env
from widget_server.upstream.errors import BudgetExhausted

pytestmark = pytest.mark.anyio
SAME = {"Sec-Fetch-Site": "same-origin"}
PHONE = "9819535746"


def _answer(body: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"response": body}).encode(),
                          headers={"content-type": "application/json"})


class Answering(httpx.AsyncBaseTransport):
    """Answers one method its own way and forwards the rest."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str,
                 answer: httpx.Response) -> None:
        self.inner, self.method, self.answer = inner, method, answer
        self.methods: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fields = dict(request.url.params) | dict(
            httpx.QueryParams(request.content.decode()) if request.method == "POST" else {})
        self.methods.append(fields["method"])
        if fields["method"] == self.method:
            return httpx.Response(self.answer.status_code, headers=self.answer.headers,
                                  content=self.answer.content)
        return await self.inner.handle_async_request(request)


# 9. Error 129 is transient
async def test_error_129_serves_stale_or_503_and_is_never_the_keys_answer(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        env.upstream.mode = "129"
        await env.refresh_into("129", "/api/groups/jumpy")
        stale = await env.client.get("/api/groups/jumpy")
        assert stale.status_code == 200 and stale.json()["stale"] is True
        fresh_key = await env.client.get("/api/groups/cricketbuzz")
        assert fresh_key.status_code == 503 and "retry-after" in fresh_key.headers
        env.upstream.mode = "ok"
        env.clock.advance(11)
        assert (await env.client.get("/api/groups/cricketbuzz")).status_code == 200


# 10. Phase II error 6 means start again
async def test_token_invalid_at_confirm_asks_for_a_new_code(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ticket = (await env.client.post("/api/groups/jumpy/subscribe", data={"phone": PHONE},
                                        headers=SAME)).json()["ticket"]
        env.upstream.inner = Answering(env.upstream.inner, "groups.subscribeGroupToken",
                                       _answer({"status": "error", "error": {
                                           "code": 6, "msg": "The token string specified "
                                                             "is invalid."}}))
        answer = await env.client.post("/api/groups/jumpy/subscribe/confirm",
                                       data={"ticket": ticket, "code": "ABCD"}, headers=SAME)
        body = answer.json()
        assert body["code"] == "code_expired" and "ticket" not in body
        assert "attemptsLeft" not in body and "new one" in body["message"]


# 11. An upstream that knows only groups.subscribeToken
async def test_the_other_subscription_name_is_tried_once_and_remembered(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        only_short = Answering(env.upstream.inner, "groups.subscribeGroupToken", _answer({
            "status": "error", "error": {"code": 108, "msg": 'The specified method '
                                         '"groups.subscribeGroupToken" is not valid GupShup '
                                         'api.'}}))
        env.upstream.inner = only_short
        for phone in (PHONE, "9819535747"):
            sent = await env.client.post("/api/groups/jumpy/subscribe", data={"phone": phone},
                                         headers=SAME)
            assert sent.status_code == 200 and sent.json()["code"] == "code_sent"
        assert only_short.methods == ["groups.subscribeGroupToken", "groups.subscribeToken",
                                      "groups.subscribeToken"]


# 12. Throttle tags on errors, and the tag's window
@pytest.mark.parametrize(("window", "paused"), [("minute", 60), ("hour", 600), ("day", 3600)])
async def test_a_tag_on_an_error_slows_down_by_its_window(tmp_path: Path, window: str,
                                                          paused: float) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.inner = Answering(env.upstream.inner, "groups.getInfo", _answer({
            "status": "error", "error": {"code": 2, "msg": "The specified group name is "
                                                           "invalid."},
            "throttle": {"window": window, "count": 991, "warn": 990, "limit": 1000}}))
        assert (await env.client.get("/api/groups/nosuch")).status_code == 404
        budget = env.services.budget
        assert budget.pace() == 0.5
        env.clock.advance(paused - 1)
        for background in ("refresh", "guess"):  # paused; people are not
            with pytest.raises(BudgetExhausted):
                await budget.acquire(background)
        await budget.acquire("view")
        env.clock.advance(2)
        await budget.acquire("refresh")


# 13. XML with attributes
@pytest.mark.parametrize(("xml", "status"), [
    (b'<response status="error"><error code="2" msg="The specified group name is invalid."/>'
     b"</response>", 404),
    (b'<response><status>error</status><error code="112"><msg>private</msg></error>'
     b"</response>", 403),
    (b'<response status="success" method="groups.getInfo"><group name="jumpy" title="Jumpy" '
     b'description="d" public="true" members="3" posts="28" created="2026-01-01T00:00:00Z"/>'
     b"</response>", 200),
])
async def test_xml_attributes_are_read(tmp_path: Path, xml: bytes, status: int) -> None:
    async with widget_env(tmp_path) as env:
        env.upstream.inner = Answering(env.upstream.inner, "groups.getInfo", httpx.Response(
            200, content=xml, headers={"content-type": "application/xml"}))
        answer = await env.client.get("/api/groups/jumpy")
        assert answer.status_code == status
        if status == 200:
            assert answer.json()["group"]["members"] == 3
