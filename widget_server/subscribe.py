"""The two-phase subscription as the widget runs it: limits first, then the upstream
(on the budget's reserve), every outcome named by a message key with an HTTP status."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from widget_server.abuse import SignupLimits
from widget_server.clock import Clock
from widget_server.phones import indian_mobile, masked
from widget_server.protocol import GROUP_NAME, SMS_REFUSED
from widget_server.state.base import StoreDown
from widget_server.tickets import ExpiredTicket, InvalidTicket, Ticket, Tickets
from widget_server.upstream.client import UpstreamClient
from widget_server.upstream.errors import (
    ApiRefused,
    BudgetExhausted,
    Throttled,
    TooManyMisses,
    Unavailable,
    UpstreamError,
)

log = logging.getLogger("widget_server.subscribe")
RESEND_AFTER = 30.0
SHARED_RETRY = 10.0
SMS_RETRY = 60.0
CODE_LENGTH = 4

# Upstream error codes of groups.subscribeGroupToken -> (message key, HTTP status).
UPSTREAM_CODES: dict[int, tuple[str, int]] = {
    1: ("not_found", 404), 2: ("bad_phone", 400), 3: ("privacy", 403),
    5: ("too_many_unconfirmed", 429), 6: ("code_expired", 400), 7: ("wrong_code", 400),
    8: ("already_subscribed", 200), 9: ("too_many_attempts", 429), 10: ("not_found", 403),
}


@dataclass(frozen=True)
class Outcome:
    """What to tell the visitor: a message key, a status, and what the next step needs."""

    key: str
    status: int = 200
    ticket: str | None = None
    phone: str | None = None
    retry_after: float | None = None
    attempts_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.status < 400


class Subscriptions:
    def __init__(self, client: UpstreamClient, tickets: Tickets, guard: SignupLimits,
                 clock: Clock) -> None:
        self._client = client
        self.tickets = tickets
        self._guard = guard
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    async def start(self, group: str, phone_text: str, ip: str, honeypot: str = "") -> Outcome:
        """Phase I: send a code to the phone; the answer is the same whether or not the
        phone is known to the group."""
        try:
            return await self._start(group, phone_text, ip, honeypot)
        except StoreDown:  # the limits cannot be counted: no SMS goes out
            return Outcome("unavailable", 503, retry_after=SHARED_RETRY)

    async def _start(self, group: str, phone_text: str, ip: str, honeypot: str) -> Outcome:
        if not GROUP_NAME.fullmatch(group):
            return Outcome("bad_name", 400)
        phone = indian_mobile(phone_text)
        if phone is None:
            return Outcome("bad_phone", 400)
        if honeypot:
            log.info("honeypot filled for %s: pretending", masked(phone))
            return self._sent(phone, group, secrets.token_hex(16))
        wait = await self._guard.attempt(ip)
        if wait is not None:
            return Outcome("too_many", 429, retry_after=wait)
        wait, receipt = await self._guard.sms(phone, group)
        if wait is not None:
            return Outcome("too_many", 429, retry_after=wait)
        try:
            body = await self._client.subscribe(phone, group, who=ip)
        except UpstreamError as error:
            if isinstance(error, ApiRefused) and error.code == 8:
                # An upstream that says "already a member" (the local GupShup does not):
                # the same answer and the same count as for anyone, or the difference
                # would tell members from strangers.
                return self._sent(phone, group, secrets.token_hex(16))
            await self._guard.no_sms(phone, group, receipt)  # it cost this phone nothing
            return _refused(error) if isinstance(error, ApiRefused) else _unavailable(error)
        return self._sent(phone, group, str(body.get("token", "")))

    def _sent(self, phone: str, group: str, token: str) -> Outcome:
        return Outcome("code_sent", 200, self.tickets.issue(phone, group, token),
                       masked(phone))

    async def resend(self, group: str, ticket_text: str, ip: str) -> Outcome:
        ticket = self._ticket(ticket_text, group)
        if isinstance(ticket, Outcome):
            return ticket
        wait = ticket.issued + RESEND_AFTER - self._clock()
        if wait > 0:
            return Outcome("wait_resend", 429, ticket_text, masked(ticket.phone),
                           retry_after=wait)
        return await self.start(group, ticket.phone, ip)

    async def confirm(self, group: str, ticket_text: str, code: str, ip: str) -> Outcome:
        """Phase II: check the code; five wrong ones lock the verification."""
        try:
            return await self._confirm(group, ticket_text, code, ip)
        except StoreDown:  # wrong codes cannot be counted: no code is checked
            return Outcome("unavailable", 503, ticket_text, retry_after=SHARED_RETRY)

    async def _confirm(self, group: str, ticket_text: str, code: str, ip: str) -> Outcome:
        ticket = self._ticket(ticket_text, group)
        if isinstance(ticket, Outcome):
            return ticket
        code = code.strip().upper()
        again = Outcome("bad_code", 400, ticket_text, masked(ticket.phone))
        if len(code) != CODE_LENGTH or not code.isascii() or not code.isalnum():
            return again
        if await self._guard.locked(ticket.token):
            return Outcome("too_many_attempts", 429)
        wait = await self._guard.confirm(ip)
        if wait is not None:
            return Outcome("too_many", 429, ticket_text, masked(ticket.phone), retry_after=wait)
        try:
            await self._client.subscribe(ticket.phone, group, ticket.token, code, who=ip)
        except ApiRefused as error:
            if error.code == 7:  # the confirmation code is wrong (6, a bad token, is refused)
                left = await self._guard.wrong_code(ticket.token)
                if left == 0:
                    return Outcome("too_many_attempts", 429)
                return Outcome("wrong_code", 400, ticket_text, masked(ticket.phone),
                               attempts_left=left)
            return _refused(error)
        except UpstreamError as error:
            return _unavailable(error, ticket_text)
        return Outcome("subscribed", 200, phone=masked(ticket.phone))

    def _ticket(self, text: str, group: str) -> Ticket | Outcome:
        try:
            return self.tickets.read(text, group)
        except ExpiredTicket:
            return Outcome("ticket_expired", 400)
        except InvalidTicket:
            return Outcome("ticket_invalid", 400)


def _refused(error: ApiRefused) -> Outcome:
    if isinstance(error, Throttled):
        return _unavailable(error)
    if error.code == SMS_REFUSED:  # the upstream's SMS allowance for this site: busy
        return Outcome("busy", 503, retry_after=SMS_RETRY)
    key, status = UPSTREAM_CODES.get(error.code, ("upstream_error", 502))
    return Outcome(key, status)


def _unavailable(error: UpstreamError, ticket: str | None = None) -> Outcome:
    if isinstance(error, TooManyMisses):  # this client's share: others still have room
        return Outcome("too_many", 429, ticket, retry_after=error.retry_after)
    if isinstance(error, BudgetExhausted):
        return Outcome("busy", 503, ticket, retry_after=error.retry_after)
    if isinstance(error, Throttled):
        return Outcome("busy", 503, ticket, retry_after=60.0)
    assert isinstance(error, Unavailable | ApiRefused)
    return Outcome("unavailable", 503, ticket, retry_after=10.0)
