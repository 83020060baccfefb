"""Limits on the subscription form, checked before any upstream call: per client IP, per
phone and per group (sliding windows in the state store), and wrong codes per
verification."""

from __future__ import annotations

import secrets
from typing import Protocol

from widget_server.state.base import Limit

SENDS_PER_IP = [Limit(5, 10 * 60), Limit(20, 24 * 3600)]
SENDS_PER_PHONE = [Limit(5, 10 * 60)]
SENDS_PER_GROUP = [Limit(60, 3600)]
# A confirmation is an upstream call: a few a minute per client, so that no client can
# spend the budget's share of them for everyone.
CONFIRMS_PER_IP = [Limit(5, 60), Limit(20, 10 * 60)]
MAX_WRONG_CODES = 5
WRONG_CODES_TTL = 3600.0


class Counters(Protocol):
    """Where the limits count (`state.limits.StoreCounters`)."""

    async def hit(self, checks: list[tuple[str, list[Limit]]],
                  member: str | None = None) -> float | None: ...
    async def forget(self, keys: list[str], member: str) -> None: ...
    async def count_up(self, key: str, ttl: float) -> int: ...
    async def counted(self, key: str) -> int: ...


class SignupLimits:
    """Count what costs, per client first: every attempt against its client's allowance;
    a phone's and a group's allowance only when an SMS really goes out, so nobody can lock
    a group's form, or a stranger's phone, with attempts that send nothing. Raises
    `StoreDown` when the counters cannot be reached: no limit, no SMS."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters

    async def attempt(self, ip: str) -> float | None:
        """May this client try to send a code now? None, or the seconds to wait."""
        return _at_least_a_second(await self._counters.hit([("send-ip:" + ip,
                                                             SENDS_PER_IP)]))

    async def sms(self, phone: str, group: str) -> tuple[float | None, str]:
        """Count an SMS to this phone for this group: (None or seconds to wait, receipt
        to `no_sms` with if none went out after all)."""
        receipt = secrets.token_hex(8)
        wait = await self._counters.hit([("send-phone:" + phone, SENDS_PER_PHONE),
                                         ("send-group:" + group.lower(), SENDS_PER_GROUP)],
                                        receipt)
        return _at_least_a_second(wait), receipt

    async def no_sms(self, phone: str, group: str, receipt: str) -> None:
        await self._counters.forget(["send-phone:" + phone, "send-group:" + group.lower()],
                                    receipt)

    async def confirm(self, ip: str) -> float | None:
        return _at_least_a_second(
            await self._counters.hit([("confirm-ip:" + ip, CONFIRMS_PER_IP)]))

    async def locked(self, token: str) -> bool:
        """Five wrong codes for a verification: even the right one is refused now."""
        return await self._counters.counted("wrong:" + token) >= MAX_WRONG_CODES

    async def wrong_code(self, token: str) -> int:
        """Count a wrong code; returns how many attempts are left."""
        count = await self._counters.count_up("wrong:" + token, WRONG_CODES_TTL)
        return max(0, MAX_WRONG_CODES - count)


def _at_least_a_second(wait: float | None) -> float | None:
    return None if wait is None else max(1.0, wait)
