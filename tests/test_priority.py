"""Visitors first, end to end: a counting proxy in front of the upstream, the budget's own
count beside it, and sign-ups while background work runs flat out; then a widget server
beside a separate `widget-server gupshup`, as the README documents it."""

from __future__ import annotations

import re
import sqlite3
from bisect import bisect_left
from pathlib import Path

import httpx
import pytest

from tests.harness import Env, widget_env
from tests.live import running_server, server_env
from tests.test_subscribe import SAME, sent_code
from widget_server.clock import ManualClock

pytestmark = pytest.mark.anyio
SIGN_UPS = 6


class Counting(httpx.AsyncBaseTransport):
    """A counting proxy: forwards every call, and notes when it arrived."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: ManualClock) -> None:
        self.inner, self.clock = inner, clock
        self.arrivals: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.arrivals.append(self.clock())
        return await self.inner.handle_async_request(request)

    def in_last(self, seconds: float) -> int:
        now = self.clock()
        return len(self.arrivals) - bisect_left(self.arrivals, now - seconds + 1e-6)


def most_in_any_window(times: list[float], length: float) -> int:
    return max((i + 1 - bisect_left(times, t - length + 1e-6) for i, t in enumerate(times)),
               default=0)


async def _keys_in_use(env: Env, groups: list[str]) -> None:
    """Widgets of every group, their second pages and the public stream, each seen twice
    from many readers: the keys background refreshes keep fresh."""
    for n in range(2):
        for i, group in enumerate(groups):
            for path in (f"/api/groups/{group}", f"/api/groups/{group}/messages",
                         f"/api/groups/{group}/messages?from=15"):
                await env.client.get(path, headers={"X-Forwarded-For": f"10.9.{n}.{i}"})
        await env.settle()


async def _budget_agrees(env: Env, proxy: Counting) -> None:
    budget = env.services.budget
    counted = budget.ceilings[0] - (await budget.remaining())["minute"]
    assert abs(counted - proxy.in_last(60)) <= 1, (counted, proxy.in_last(60))


async def test_sign_ups_and_confirmations_go_first_while_refreshes_run_flat_out(
        tmp_path: Path) -> None:
    """Trial: a visitor's fifth phase-I send in a minute got 503 busy while the upstream
    saw at most 12 calls in a minute, and a confirmation after a restart was refused as
    busy. Now, with background refreshes as fast as the budget lets them go (every key
    due at once), six sign-ups in one minute from six addresses all get codes and all
    confirm; every window stays within its ceiling; the budget counts what the proxy
    saw, within one. (First views may borrow the idle floors, all but the confirmations'
    and one sign-up's: in a minute of a cold-cache burst, fewer sign-ups fit.)"""
    async with widget_env(tmp_path, trusted_proxies=("127.0.0.1",), client_share=1 / 3,
                          min_ttl=1.0) as env:
        proxy = Counting(env.upstream.inner, env.clock)
        env.upstream.inner = proxy
        groups = [r[0] for r in env.gupshup.db.connection().execute(
            "SELECT name FROM groups WHERE public = 1 AND disabled = 0")]
        await _keys_in_use(env, groups)
        for _ in range(61):  # the first views leave the window; refreshes go on
            await env.settle()
        outcomes: list[tuple[str, str]] = []
        before = len(proxy.arrivals)
        for second in range(70):
            if second % 10 == 5 and len(outcomes) < SIGN_UPS:
                n = len(outcomes)
                phone, address = f"98195357{n:02d}", {"X-Forwarded-For": f"10.1.{n}.1"}
                sent = await env.client.post("/api/groups/jumpy/subscribe", data={
                    "phone": phone}, headers={**SAME, **address})
                assert sent.status_code == 200, sent.json()
                done = await env.client.post("/api/groups/jumpy/subscribe/confirm", data={
                    "ticket": sent.json()["ticket"], "code": sent_code(env, phone)},
                    headers={**SAME, **address})
                outcomes.append((sent.json()["code"], done.json()["code"]))
            await env.settle()
            await _budget_agrees(env, proxy)
        refreshed = len(proxy.arrivals) - before - 2 * SIGN_UPS
        rate = env.services.budget.refresh_rate()
    assert outcomes == [("code_sent", "subscribed")] * SIGN_UPS
    assert refreshed >= int(0.5 * rate * 70)  # refreshes ran beside them (R: 7 in 70 s)
    for ceiling, length in zip(env.services.budget.ceilings, (60.0, 3600.0, 86400.0),
                               strict=True):
        assert most_in_any_window(proxy.arrivals, length) <= ceiling


async def test_a_call_not_made_is_not_counted(tmp_path: Path) -> None:
    """Trial: the budget's logs held calls the upstream never received. Connections
    refused, single flights joined, offsets past the end, made-up names refused before a
    call: the budget and a counting proxy agree within one, every second."""
    async with widget_env(tmp_path, client_share=1 / 3) as env:
        proxy = Counting(env.upstream.inner, env.clock)
        env.upstream.inner = proxy
        groups = [r[0] for r in env.gupshup.db.connection().execute(
            "SELECT name FROM groups WHERE public = 1 AND disabled = 0")]
        for second in range(90):
            env.upstream.mode = "connect" if second % 7 == 3 else "ok"
            fresh = f"/api/groups/{groups[second % len(groups)]}/messages?from={second % 5}"
            for path in (fresh, "/api/groups/jumpy/messages?from=999",
                         f"/api/groups/made{second}up", fresh):  # the same key twice
                await env.client.get(path)
            await env.settle()
            await _budget_agrees(env, proxy)
        assert len(env.upstream.requests) > len(proxy.arrivals) >= 6  # refused ones too


def test_a_widget_server_beside_a_separate_gupshup_works_out_of_the_box(
        tmp_path: Path) -> None:
    """Trial: a widget server not listed in WIDGET_GUPSHUP_CLIENTS had its sixth code in
    ten minutes refused with 113, read it as the call throttle and stopped every call for
    a minute. On one machine, with no extra setting, ten sign-ups go through; from an
    address the upstream does not trust, the refused SMS is busy, and widgets go on."""
    up_dir = tmp_path / "up"
    with running_server(["gupshup"], server_env(up_dir)) as upstream, \
            running_server(["serve"], server_env(
                tmp_path / "widgets", WIDGET_UPSTREAM_URL=upstream.base,
                WIDGET_TRUSTED_PROXIES="127.0.0.1")) as widgets:
        for n in range(10):
            phone = f"98195358{n:02d}"
            sent = _sign_up(widgets.base, phone, n)
            assert sent.status_code == 200, sent.text
            done = httpx.post(f"{widgets.base}/api/groups/jumpy/subscribe/confirm", data={
                "ticket": sent.json()["ticket"], "code": _code(up_dir, phone)},
                headers={**SAME, "X-Forwarded-For": f"10.2.{n}.1"})
            assert done.json()["code"] == "subscribed", done.text
    untrusting = server_env(tmp_path / "up2", WIDGET_GUPSHUP_CLIENTS="")  # its own throttle
    with running_server(["gupshup"], untrusting) as up, \
            running_server(["serve"], server_env(
                tmp_path / "widgets2", WIDGET_UPSTREAM_URL=up.base,
                WIDGET_TRUSTED_PROXIES="127.0.0.1")) as widgets:
        answers = [_sign_up(widgets.base, f"98195359{n:02d}", 20 + n) for n in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [503]
        assert answers[5].json()["code"] == "busy"
        for group in ("shayari", "cricketbuzz"):  # cold keys: calls made after the refusal
            assert httpx.get(f"{widgets.base}/api/groups/{group}").status_code == 200
        assert httpx.get(f"{widgets.base}/readyz").json()["upstream"]["stopped_for"] == 0


def _sign_up(base: str, phone: str, n: int) -> httpx.Response:
    return httpx.post(f"{base}/api/groups/jumpy/subscribe", data={"phone": phone},
                      headers={**SAME, "X-Forwarded-For": f"10.2.{n}.1"})


def _code(data_dir: Path, phone: str) -> str:
    with sqlite3.connect(data_dir / "gupshup.sqlite3") as db:
        text = db.execute("SELECT text FROM outbox WHERE phone = ? AND kind = 'code' ORDER BY "
                          "id DESC", (phone,)).fetchone()[0]
    found = re.search(r" is ([A-Z0-9]{4})\.", text)
    assert found
    return found.group(1)



async def test_a_reader_past_its_share_finds_the_widget_on_its_next_visit(
        tmp_path: Path) -> None:
    """One reader on a cold server gets a third of the first views' room; what it asked
    for beyond that (of groups the server knows) is fetched in the background."""
    async with widget_env(tmp_path, client_share=1 / 3) as env:
        await env.client.get("/api/public")  # the names on the public stream are known
        groups = [r[0] for r in env.gupshup.db.connection().execute(
            "SELECT name FROM groups WHERE public = 1 AND disabled = 0")]
        answers = {g: (await env.client.get(f"/api/groups/{g}/messages")).status_code
                   for g in groups}
        refused = [g for g, status in answers.items() if status == 429]
        assert refused and set(answers.values()) == {200, 429}
        for _ in range(70):
            await env.settle()
        calls = len(env.upstream.requests)
        for group in refused:
            assert (await env.client.get(f"/api/groups/{group}/messages")).status_code == 200
        assert len(env.upstream.requests) == calls  # fetched already, in the background
