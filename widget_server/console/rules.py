"""The rules the console checks before spending an upstream call, so the owner reads why
in plain words rather than a refusal code: what a post may say, which numbers an invite
may go to, and how often anyone may try a password, post or invite."""

from __future__ import annotations

import re
import secrets

from widget_server.abuse import Counters
from widget_server.console.owner import ConsoleError
from widget_server.phones import indian_mobile
from widget_server.protocol import CONTROL, MAX_TEXT
from widget_server.state.base import NOT_LIMITED, Limit

MAX_INVITES = 50
# Password guessing. One address: five wrong passwords for one number in 15 minutes, then
# even the right one is refused from there until the oldest leaves the window; 20 wrong
# ones for any numbers. One number: 30 wrong ones an hour from anywhere, after which an
# address that has failed for it is refused, while an address that has not still gets its
# try. So nobody can lock an owner out from elsewhere: the owner's own address never
# failed. The cost: an attacker with many addresses gets one guess from each new one
# beyond the 30 (its rate is bounded by its addresses; a password is never weaker than
# that), and an owner who mistypes while the number is under attack waits with the rest.
WRONG_PER_PAIR = [Limit(5, 15 * 60)]
WRONG_PER_IP = [Limit(20, 15 * 60)]
WRONG_PER_PHONE = [Limit(30, 3600)]
FAILED_FOR = 3600.0  # how long an address counts as one that failed for a number
POSTS_PER_PHONE = [Limit(10, 60)]  # the upstream's own posting pace
INVITES_PER_PHONE = [Limit(3, 3600), Limit(10, 24 * 3600)]  # each sends SMS to strangers
_MENTION = re.compile(r"@([A-Za-z0-9_-]+)")
_SEPARATORS = re.compile(r"[,;\n]+")


def check_text(text: str) -> str:
    """The text as the upstream would take it, or ConsoleError saying what is wrong."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ConsoleError("empty", 422)
    odd = sorted({c for c in text if not c.isascii() or CONTROL.match(c)})
    if odd:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in odd[:8])
        raise ConsoleError("not_ascii", 422, values={"chars": shown})
    if len(text) > MAX_TEXT:
        raise ConsoleError("too_long", 422, values={"n": len(text),
                                                    "over": len(text) - MAX_TEXT})
    return text


def mentions(text: str) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in _MENTION.findall(text)))


def invite_numbers(text: str) -> tuple[list[str], list[str]]:
    """(the national numbers, the pieces that are no Indian mobile number), from numbers
    one per line or separated by commas or semicolons, in any common form ("98195 35746",
    "+91-98195-35746"); a line of numbers separated only by spaces is read too."""
    good: list[str] = []
    bad: list[str] = []
    for piece in (p.strip() for p in _SEPARATORS.split(text)):
        if not piece:
            continue
        number = indian_mobile(piece)
        words = piece.split()
        if number is None and len(words) > 1 and all(indian_mobile(w) for w in words):
            good += [n for n in map(indian_mobile, words) if n]
        elif number is None:
            bad.append(piece[:40])
        else:
            good.append(number)
    numbers = list(dict.fromkeys(good))
    if not numbers and not bad:
        raise ConsoleError("invites_none", 422)
    if len(numbers) + len(bad) > MAX_INVITES:
        raise ConsoleError("invites_too_many", 422, values={"n": MAX_INVITES})
    return numbers, bad


def _pair(phone: str, ip: str) -> str:
    return f"login-pair:{phone}:{ip}"


def _failed(phone: str, ip: str) -> str:
    return f"login-failed:{phone}:{ip}"


class ConsoleLimits:
    """The console's limits, in the state store (shared by every process, kept across
    restarts). Each attempt is counted first and taken back when it cost nothing: a right
    password, a post the upstream refused. `logins`: attempts one address may make, right
    or wrong (each costs the upstream calls of a login), so that a refused one costs no
    call: the budget's share of one client, in logins."""

    def __init__(self, counters: Counters, logins: list[Limit] | None = None) -> None:
        self._counters = counters
        self._logins = logins or [Limit(NOT_LIMITED, 60)]

    async def login(self, phone: str, ip: str) -> str:
        """Count a login attempt as a wrong one until `right` says otherwise."""
        await self._take([("login-try:" + ip, self._logins)], "too_many")
        failed_here = await self._counters.counted(_failed(phone, ip)) > 0
        per_phone = WRONG_PER_PHONE if failed_here else [Limit(NOT_LIMITED, 3600)]
        return await self._take([(_pair(phone, ip), WRONG_PER_PAIR),
                                 ("login-ip:" + ip, WRONG_PER_IP),
                                 ("login-phone:" + phone, per_phone)], "too_many_logins")

    async def right(self, phone: str, ip: str, receipt: str) -> None:
        await self._counters.forget([_pair(phone, ip), "login-ip:" + ip,
                                     "login-phone:" + phone], receipt)

    async def wrong(self, phone: str, ip: str) -> None:
        """A wrong password from `ip`: the number's own cap applies to it from now on."""
        await self._counters.count_up(_failed(phone, ip), FAILED_FOR)

    async def post(self, phone: str) -> str:
        return await self._take([("post-phone:" + phone, POSTS_PER_PHONE)], "pace")

    async def not_posted(self, phone: str, receipt: str) -> None:
        await self._counters.forget(["post-phone:" + phone], receipt)

    async def invite(self, phone: str) -> str:
        return await self._take([("invite-phone:" + phone, INVITES_PER_PHONE)],
                                "invites_pace")

    async def _take(self, checks: list[tuple[str, list[Limit]]], key: str) -> str:
        receipt = secrets.token_hex(8)
        wait = await self._counters.hit(checks, receipt)
        if wait is not None:
            raise ConsoleError(key, 429, max(1.0, wait))
        return receipt
