"""The SMS gateway: both senders against a fake Gupshup on loopback, the dispatcher's
retries (never sending twice), and the delivery-report webhook."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_sms import FakeGateway
from tests.live import live_server
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.gupshup.demo import seed
from widget_server.gupshup.store import Database
from widget_server.settings import Settings
from widget_server.sms.outbox import OutboxMessage
from widget_server.sms.senders import Pacer
from widget_server.sms.setup import build_sender
from widget_server.state.sqlite import SqliteState

SECRET = "dlr-secret-for-tests"
PHONE = "9819535746"
SMS_API = {"sms_gateway": "sms-api", "sms_app_id": "app-1", "sms_api_key": "key-1",
           "sms_source": "GSDSMS"}
TEMPLATE = {"sms_gateway": "partner-template", "partner_app_id": "app-2",
            "partner_token": "sk_token", "partner_app_name": "widgets",
            "partner_template_id": "tpl-9", "partner_source": "919643874844"}


@dataclass
class Env:
    url: str
    fake: FakeGateway
    gupshup: LocalGupShup

    def send(self, text: str = "hello", phone: str = PHONE) -> int:
        with self.gupshup.db.write() as conn:
            return self.gupshup.outbox.enqueue(conn, phone, text, "post")

    def row(self, row_id: int) -> OutboxMessage:
        return next(m for m in self.gupshup.outbox.messages() if m.id == row_id)

    def webhook(self, secret: str = SECRET) -> str:
        return f"{self.url}/webhooks/sms/dlr?secret={secret}"


@contextmanager
def sms_env(tmp_path: Path, gateway: dict[str, str], script: list[str] | None = None,
            **settings: Any) -> Iterator[Env]:
    fake = FakeGateway(script=list(script or []))
    with live_server(fake.app()) as fake_url:
        defaults = {"sms_api_url": fake_url, "partner_api_url": fake_url,
                    "sms_webhook_secret": SECRET, "sms_retry_base": 0.05, "sms_timeout": 1.0}
        db_timeout = settings.pop("db_timeout", 15.0)
        config = Settings(data_dir=tmp_path, **{**defaults, **gateway, **settings})
        demo = Database(tmp_path / "gupshup.sqlite3")  # groups to subscribe to: beside a
        seed(demo, time.time())  # real gateway the demo is not made by itself
        demo.close()
        gupshup = LocalGupShup(config, db_timeout=db_timeout)
        with live_server(create_gupshup_app(config, service=gupshup), lifespan="on") as url:
            env = Env(url, fake, gupshup)
            fake.webhook = env.webhook()
            yield env


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_confirmation_code_goes_out_through_the_sms_api(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        answer = httpx.post(f"{env.url}/GupshupAPI/rest", data={
            "method": "groups.subscribeGroupToken", "v": "1.0", "format": "json",
            "group": "jumpy", "phone": "+91 98195 35746"}).json()
        assert answer["response"]["status"] == "success"
        eventually(lambda: env.gupshup.outbox.messages(PHONE)[0].status == "delivered")
        sms = env.gupshup.outbox.messages(PHONE)[0]
        (request,) = env.fake.received
        assert request.path == "/sms/v1/message/app-1"
        assert request.headers["apikey"] == "key-1"
        assert request.form == {"destination": "91" + PHONE, "message": sms.text,
                                "source": "GSDSMS"}
        assert sms.message_id == env.fake.accepted[0] and sms.attempts == 1
    # Reports arrived delivered, enqueued, sent, enqueued: the newest `ts` won.
    assert "\tdelivered\tmsg-0\t" in sms.line()


def test_a_5xx_is_retried_with_backoff_and_sent_once(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, script=["500", "500"]) as env:
        row = env.send()
        eventually(lambda: env.row(row).status == "delivered")
        assert len(env.fake.received) == 3 and len(env.fake.accepted) == 1
        assert env.row(row).attempts == 3


@pytest.mark.parametrize(("answer", "words"), [
    ("8004", "INVALID_PHONE_NUMBER (8004): Please enter valid phone number"),
    ("8002", "INSUFFICIENT_WALLET_BALANCE (8002)"),
    ("8013", "HEADER_DISABLED (8013)"),
])
def test_a_refusal_is_final_and_says_why(tmp_path: Path, answer: str, words: str) -> None:
    with sms_env(tmp_path, SMS_API, script=[answer]) as env:
        row = env.send()
        eventually(lambda: env.row(row).status == "failed")
        assert words in (env.row(row).error or "")
        time.sleep(0.2)
        assert len(env.fake.received) == 1


def test_a_hang_is_never_sent_again(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, script=["hang"], sms_timeout=0.3) as env:
        row = env.send()
        eventually(lambda: env.row(row).status == "unknown")
        assert "no answer from the gateway" in (env.row(row).error or "")
        second = env.send("the next one still goes")
        eventually(lambda: env.row(second).status == "delivered")
        assert len(env.fake.received) == 2


def test_an_unreachable_gateway_is_retried_then_given_up(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, sms_api_url="http://127.0.0.1:9",
                 sms_max_attempts=3) as env:
        row = env.send()
        eventually(lambda: env.row(row).status == "failed")
        message = env.row(row)
        assert message.attempts == 3 and "gave up after 3 attempts: cannot connect" in (
            message.error or "")


def test_a_message_over_160_characters_is_not_sent(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        row = env.send("x" * 161)
        eventually(lambda: env.row(row).status == "failed")
        assert env.row(row).error == "longer than 160 characters"
        assert env.fake.received == []


def test_the_partner_template_api(tmp_path: Path) -> None:
    with sms_env(tmp_path, TEMPLATE, script=["429", "500"]) as env:
        row = env.send("Your code is AB12.")
        eventually(lambda: env.row(row).status == "delivered")
        assert len(env.fake.received) == 3 and len(env.fake.accepted) == 1
        request = env.fake.received[-1]
        assert request.path == "/partner/app/app-2/template/msg"
        assert request.headers["token"] == "sk_token"
        form = request.form
        assert (form["source"], form["destination"], form["src.name"]) == (
            "919643874844", "91" + PHONE, "widgets")
        assert json.loads(form["template"]) == {"id": "tpl-9", "params": ["Your code is AB12."]}
        assert json.loads(form["message"]) == {"type": "text", "text": "Your code is AB12."}


@pytest.mark.anyio
async def test_the_template_pacer_keeps_under_ten_a_minute(store: SqliteState,
                                                           clock: ManualClock) -> None:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    pacer = Pacer(9, store, clock, sleep)
    stamps = []
    for _ in range(40):
        await pacer.wait()
        stamps.append(clock())
        clock.advance(0.5)
    assert max(sum(1 for s in stamps if start <= s < start + 60) for start in stamps) == 9
    assert stamps[-1] - stamps[0] < 5 * 60  # and it does not stall


def test_sending_rows_left_by_a_crash_are_never_resent(tmp_path: Path) -> None:
    with sms_env(tmp_path / "a", SMS_API) as env:
        pass
    with env.gupshup.db.write() as conn:
        row = env.gupshup.outbox.enqueue(conn, PHONE, "in flight", "post")
        conn.execute("UPDATE outbox SET status = 'sending' WHERE id = ?", (row,))
    env.gupshup.close()
    with sms_env(tmp_path / "a", SMS_API) as again:
        eventually(lambda: again.row(row).status == "unknown")
        assert again.row(row).error == "interrupted while sending"
        assert again.fake.received == []


def _report(env: Env, status: str, ts: int, message_id: str = "msg-x",
            secret: str = SECRET) -> httpx.Response:
    body = {"destination": "91" + PHONE, "messageId": message_id, "ts": str(ts),
            "status": status}
    return httpx.post(env.webhook(secret), json=body)


def test_reports_are_idempotent_ordered_and_wait_for_their_message(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        for status, ts in [("sent", 2000), ("delivered", 3000), ("sent", 2000)]:
            answer = _report(env, status, ts)
            assert (answer.status_code, answer.content) == (204, b"")
        row = env.send()
        eventually(lambda: env.row(row).status == "submitted")
        with env.gupshup.db.write() as conn:  # as if the gateway had named it msg-x
            conn.execute("UPDATE outbox SET message_id = 'msg-x' WHERE id = ?", (row,))
        env.gupshup.reports.apply()
        assert env.row(row).status == "delivered"
        assert _report(env, "enqueued", 1000).status_code == 204  # late and old
        env.gupshup.reports.apply()
        assert env.row(row).status == "delivered"
        count = env.gupshup.db.connection().execute(
            "SELECT COUNT(*) FROM sms_events WHERE message_id = 'msg-x'").fetchone()[0]
        assert count == 3


@pytest.mark.parametrize(("body", "status"), [
    (b"not json", 400),
    (b"[]", 400),
    (b'{"messageId": "m", "ts": "1", "status": "read"}', 400),
    (b'{"messageId": "m", "ts": "yesterday", "status": "sent"}', 400),
    (b'{"ts": "1", "status": "sent"}', 400),
    (b'{"messageId": "m", "ts": "1", "status": "sent", "destination": "<b>"}', 400),
    (b"x" * 20_000, 413),
])
def test_malformed_reports_are_refused(tmp_path: Path, body: bytes, status: int) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        assert httpx.post(env.webhook(), content=body).status_code == status


def test_the_webhook_needs_its_secret(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        assert _report(env, "sent", 1, secret="wrong").status_code == 403
        assert httpx.post(f"{env.url}/webhooks/sms/dlr", json={}).status_code == 403
        headers = {"X-Webhook-Secret": SECRET}
        ok = httpx.post(f"{env.url}/webhooks/sms/dlr", headers=headers, json={
            "destination": "91" + PHONE, "messageId": "m", "ts": "1", "status": "sent"})
        assert ok.status_code == 204
    with sms_env(tmp_path / "b", SMS_API, sms_webhook_secret="") as env:
        assert _report(env, "sent", 1, secret="").status_code == 404


def test_reports_on_the_embedded_outbox_too(tmp_path: Path) -> None:
    config = Settings(data_dir=tmp_path, sms_webhook_secret=SECRET)
    gupshup = LocalGupShup(config)
    assert gupshup.sender is None
    with live_server(create_gupshup_app(config, service=gupshup), lifespan="on") as url:
        env = Env(url, FakeGateway(), gupshup)
        assert env.row(env.send()).status == "stored"
        assert _report(env, "sent", 1).status_code == 204


@pytest.mark.parametrize(("changes", "words"), [
    ({"sms_gateway": "carrier-pigeon"}, "must be one of outbox, sms-api, partner-template"),
    ({**SMS_API, "sms_api_key": ""}, "needs WIDGET_SMS_API_KEY"),
    ({"sms_gateway": "partner-template", "partner_app_id": "a"},
     "needs WIDGET_PARTNER_TOKEN, WIDGET_PARTNER_APP_NAME"),
])
def test_half_a_configuration_refuses_to_start(changes: dict[str, Any], words: str) -> None:
    settings = dataclasses.replace(Settings(data_dir=Path("/nonexistent")), **changes)
    with pytest.raises(ValueError, match=words):
        build_sender(settings, time.time)


def test_sms_settings_from_the_environment() -> None:
    settings = Settings.from_env({"WIDGET_SMS_GATEWAY": "sms-api", "WIDGET_SMS_API_KEY": "k",
                                  "WIDGET_SMS_MAX_ATTEMPTS": "2"})
    assert (settings.sms_gateway, settings.sms_api_key, settings.sms_max_attempts) == (
        "sms-api", "k", 2)


def test_the_sender_survives_a_locked_database_and_says_so(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, db_timeout=0.2) as env:
        holder = sqlite3.connect(env.gupshup.db.path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the file for too long
        eventually(lambda: httpx.get(env.url + "/healthz").status_code == 503)
        health = httpx.get(env.url + "/healthz").json()
        assert health["status"] == "degraded"
        assert "locked" in health["workers"]["sms-sender"]["lastError"]
        report = httpx.post(env.webhook(), json={"destination": "91" + PHONE, "messageId": "m",
                                                 "ts": "1", "status": "sent"})
        assert report.status_code == 503 and report.headers["retry-after"]  # not lost: resent
        holder.execute("ROLLBACK")
        holder.close()
        row = env.send()
        eventually(lambda: env.row(row).status == "delivered")
        assert httpx.get(env.url + "/healthz").json()["status"] == "ok"


def test_codes_overtake_a_fan_out(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API) as env:
        with env.gupshup.db.write() as conn:
            for n in range(2000):
                env.gupshup.outbox.enqueue(conn, f"98{n:08d}", "a post to everyone", "post")
        with env.gupshup.db.write() as conn:
            code = env.gupshup.outbox.enqueue(conn, PHONE, "Your code is AB12.", "code")
        eventually(lambda: env.row(code).status in ("submitted", "delivered"))
        position = [r.form["destination"] for r in env.fake.received].index("91" + PHONE)
        assert position < 5


def test_a_graceful_stop_finishes_the_send_under_way(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, script=["slow"]) as env:
        row = env.send()
        eventually(lambda: len(env.fake.received) == 1)  # on the wire when the stop comes
    assert env.row(row).status == "submitted" and env.row(row).message_id


def test_a_late_report_settles_a_send_that_got_no_answer(tmp_path: Path) -> None:
    with sms_env(tmp_path, SMS_API, script=["hang"], sms_timeout=0.3) as env:
        row = env.send()
        eventually(lambda: env.row(row).status == "unknown")
        # The gateway had taken it after all: its report names an id we never got.
        answer = httpx.post(env.webhook(), json={"destination": "91" + PHONE,
                                                 "messageId": "late-1", "ts": "1790000005000",
                                                 "status": "delivered"})
        assert answer.status_code == 204
        eventually(lambda: env.row(row).status == "delivered")
        assert env.row(row).message_id == "late-1"
