"""Delivers queued outbox rows through a sender, one at a time, never one twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from widget_server.clock import Clock
from widget_server.phones import e164_digits
from widget_server.sms.gateway import MAX_LENGTH, Refused, Retry, Sender, Sms, Unsure
from widget_server.sms.outbox import Outbox, OutboxMessage

log = logging.getLogger("widget_server.sms")
IDLE_POLL = 1.0
MAX_BACKOFF = 300.0


class Dispatcher:
    """Claims due rows and sends them; retries only what the gateway surely did not take,
    with exponential backoff, up to `max_attempts` attempts."""

    def __init__(self, outbox: Outbox, sender: Sender, clock: Clock, *, retry_base: float,
                 max_attempts: int, submitted: Callable[[], None] = lambda: None) -> None:
        self._outbox = outbox
        self._sender = sender
        self._clock = clock
        self._retry_base = retry_base
        self._max_attempts = max_attempts
        self._submitted = submitted
        self.wakeup = asyncio.Event()
        self._recovered = False

    async def step(self) -> None:
        """Send the most urgent due row (codes before fan-outs), or wait a moment for one.
        Run by `workers.Workers`: a failure here is retried, never the end."""
        if not self._recovered:
            await self._recover()
        message = await asyncio.to_thread(self._outbox.claim)
        if message is None:
            await self._idle()
            return
        try:
            await self._deliver(message)
        except Exception:  # bookkeeping failed: the row stays `sending`, never resent
            log.exception("sms %d: could not record the outcome", message.id)

    async def _recover(self) -> None:
        loop = asyncio.get_running_loop()
        self._outbox.listen(lambda: _call_soon(loop, self.wakeup.set))
        recovered = await asyncio.to_thread(self._outbox.recover)
        self._recovered = True
        if recovered:
            log.warning("%d SMS were being sent when the process stopped: marked unknown, "
                        "not sent again", recovered)

    async def _idle(self) -> None:
        due = await asyncio.to_thread(self._outbox.next_due)
        wait = IDLE_POLL if due is None else min(IDLE_POLL, max(0.0, due - self._clock()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), wait)
        self.wakeup.clear()

    async def _deliver(self, message: OutboxMessage) -> None:
        if len(message.text) > MAX_LENGTH:  # never truncate silently
            await self._finish(message, "failed", f"longer than {MAX_LENGTH} characters")
            return
        try:
            message_id = await self._sender.send(Sms(e164_digits(message.phone), message.text))
        except Retry as failure:
            await self._retry(message, failure)
        except Refused as failure:
            await self._finish(message, "failed", failure.reason)
        except Unsure as failure:
            await self._finish(message, "unknown", failure.reason)
        else:
            await asyncio.to_thread(self._outbox.submitted, message.id, message_id)
            self._submitted()

    async def _retry(self, message: OutboxMessage, failure: Retry) -> None:
        if message.attempts >= self._max_attempts:
            await self._finish(message, "failed", f"gave up after {message.attempts} "
                                                  f"attempts: {failure.reason}")
            return
        backoff = min(MAX_BACKOFF, self._retry_base * 2 ** (message.attempts - 1))
        when = self._clock() + max(backoff, failure.after or 0.0)
        await asyncio.to_thread(self._outbox.retry, message.id, when, failure.reason)

    async def _finish(self, message: OutboxMessage, status: str, reason: str) -> None:
        await asyncio.to_thread(self._outbox.finish, message.id, status, reason)


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
        loop.call_soon_threadsafe(callback)
