"""The owner's calls to the upstream: the challenge login, their groups, posts, replies,
invites. All on the console's share of the budget's reserve; none cached across owners.

Every refusal becomes a `ConsoleError` naming the words to show (`console.words`): the
codes mean different things for different methods (1 is a bad group for a post and a bad
token for the joined groups), so the mapping is per method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from cachetools import TTLCache

from widget_server.console.session import Session
from widget_server.protocol import login_rand
from widget_server.refusal import refusal
from widget_server.upstream import models
from widget_server.upstream.answers import Data
from widget_server.upstream.client import UpstreamClient
from widget_server.upstream.errors import (
    ApiRefused,
    BudgetExhausted,
    SiteTrouble,
    Throttled,
    TooManyMisses,
    Unavailable,
)

# The code that means "this token is no good" for each method (the docs differ).
TOKEN_CODES = {"users.getMyGroups": 6, "users.getJoinedGroups": 1,
               "users.getJoinedGroupsStream": 1, "groups.postMessage": 6,
               "groups.postReply": 6, "groups.inviteFriends": 6, "groups.getReplies": 153}
LOGIN_CODES = {121: "wrong_password", 122: "inactive", 123: "disabled_account",
               2: "bad_phone", 120: "bad_phone"}
WRITE_CODES = {1: "not_your_group", 124: "group_disabled", 125: "not_ascii", 126: "too_long",
               127: "pace", 128: "repeat", 155: "reply_private", 156: "empty",
               161: "bad_phones"}
# An owner's lists (groups, a group's replies), kept this long per session: a page view
# costs no call, and what the owner changes here is dropped at once.
LISTS_SECONDS = 60.0
REPLY_RANGE = 30
LOGIN_CALLS = 2  # users.getChallenge, then users.login
T = TypeVar("T")


@dataclass
class ConsoleError(Exception):
    """What went wrong, as the key of its words, an HTTP status and the words' values."""

    key: str
    status: int = 400
    retry_after: float | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemOutcome:
    """One item of a call that does several (a reply to many groups, many invites)."""

    item: str
    ok: bool
    reason: str = ""  # the upstream's words, or the new item's id
    code: int = 0


class Owner:
    """The upstream, on a group owner's behalf."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client
        self._lists: TTLCache[tuple[str, str], Any] = TTLCache(1024, LISTS_SECONDS)

    async def login(self, phone: str, password: str) -> str:
        """The docs' challenge-response; the password goes nowhere but into `rand`."""
        challenge = await self._call("users.getChallenge")
        rand = login_rand(password, str(challenge.get("salt", "")),
                          str(challenge.get("challenge", "")))
        body = await self._call("users.login", codes=LOGIN_CODES, phone=phone,
                                countryCode="91", challenge=challenge.get("challenge", ""),
                                rand=rand)
        token = body.get("token")
        if not isinstance(token, str) or not token:
            raise ConsoleError("unavailable", 503, 10.0)
        return token

    async def logout(self, session: Session) -> None:
        self.forget(session)
        await self._call("users.logout", token=session.token)

    async def my_groups(self, session: Session) -> list[models.Group]:
        return await self._listed(session, "users.getMyGroups", models.groups, range=100)

    async def joined_groups(self, session: Session) -> list[models.Group]:
        return await self._listed(session, "users.getJoinedGroups", models.groups, range=30)

    async def joined_stream(self, session: Session) -> list[models.Message]:
        def parse(body: Data) -> list[models.Message]:
            return list(models.stream(body).messages)
        return await self._listed(session, "users.getJoinedGroupsStream", parse, range=15)

    async def replies(self, session: Session, group: str) -> list[models.Reply]:
        def parse(body: Data) -> list[models.Reply]:
            return [models.reply(r) for r in models.listed(body, "replies")]
        return await self._listed(session, "groups.getReplies", parse, groupName=group,
                                  getAll="true", range=REPLY_RANGE)

    async def post(self, session: Session, group: str, text: str) -> str:
        body = await self._call("groups.postMessage", session=session, codes=WRITE_CODES,
                                groupName=group, text=text)
        message = body.get("message")
        return str(message.get("id", "")) if isinstance(message, dict) else ""

    async def reply(self, session: Session, group: str, text: str) -> list[ItemOutcome]:
        body = await self._partial("groups.postReply", session, groupName=group, text=text)
        self._lists.pop((session.token, "groups.getReplies:" + group.lower()), None)
        return [ItemOutcome(str(r.get("group", "")), r.get("status") == "success",
                        str(r.get("id") or r.get("msg") or ""), _code(r.get("code")))
                for r in _results(body)]

    async def invite(self, session: Session, group: str, phones: list[str]) -> list[ItemOutcome]:
        body = await self._partial("groups.inviteFriends", session, groupName=group,
                                   phoneNumbers=",".join(phones))
        return [ItemOutcome(str(r.get("phone", "")), r.get("status") == "success",
                        str(r.get("reason") or r.get("msg") or "")) for r in _results(body)]

    def forget(self, session: Session) -> None:
        """Drop the session's kept lists (it logged out)."""
        for key in [k for k in self._lists if k[0] == session.token]:
            self._lists.pop(key, None)

    async def _listed(self, session: Session, method: str, parse: Callable[[Data], T],
                      **params: Any) -> T:
        key = (session.token, method + ":" + str(params.get("groupName", "")).lower())
        if key not in self._lists:
            self._lists[key] = parse(await self._call(method, session=session, **params))
        return cast(T, self._lists[key])

    async def _partial(self, method: str, session: Session, **params: Any) -> Data:
        """A call doing several things: its body, or the tally of each item's outcome
        that a partial (or whole) failure carries."""
        try:
            return await self._call(method, session=session, codes=WRITE_CODES,
                                    tally=True, **params)
        except _Partial as tally:
            return tally.body

    async def _call(self, method: str, *, session: Session | None = None,
                    codes: dict[int, str] | None = None, tally: bool = False,
                    **params: Any) -> Data:
        if session is not None:
            params["token"] = session.token
        try:
            return await self._client.call(method, use="console", post=True,
                                           who=None if session is None else session.client,
                                           **params)
        except (BudgetExhausted, TooManyMisses, Throttled, Unavailable) as error:
            answer = refusal(error)  # the same status and wait as every other page
            key = "site_trouble" if isinstance(error, SiteTrouble) else "unavailable" \
                if isinstance(error, Unavailable) else "too_many" \
                if isinstance(error, TooManyMisses) else "busy"
            raise ConsoleError(key, answer.status, answer.retry) from None
        except ApiRefused as error:
            if tally and isinstance(error.body.get("results"), list):
                raise _Partial(error.body) from None
            raise _refusal(method, error, codes or {}) from None


class _Partial(Exception):
    def __init__(self, body: Data) -> None:
        self.body = body


def _refusal(method: str, error: ApiRefused, codes: dict[int, str]) -> ConsoleError:
    if TOKEN_CODES.get(method) == error.code:
        return ConsoleError("session_ended", 401)
    key = codes.get(error.code)
    if key is None:
        return ConsoleError("upstream_error", 502, values={"detail": error.message})
    status = {"wrong_password": 401, "inactive": 403, "disabled_account": 403,
              "not_your_group": 404, "pace": 429, "group_disabled": 403}.get(key, 422)
    return ConsoleError(key, status, 60.0 if key == "pace" else None)


def _results(body: Data) -> list[dict[str, Any]]:
    return [r for r in models.listed(body, "results") if isinstance(r, dict)]


def _code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
