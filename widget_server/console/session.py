"""The owner's session: the cookie holds an opaque random id, nothing else; the upstream
token it stands for is kept in the state store (under the id's digest, so that a copy of
the store gives no cookie), for as long as the session lasts at most.

Over HTTPS the cookie is `__Host-gupshup_console` (`Secure`, `Path=/`, no `Domain`: no
other name or path can set or shadow it); over plain HTTP (a machine's own use, the tests)
`gupshup_console` scoped to `/console`. Either way `HttpOnly` (no script reads it) and
`SameSite=Lax` (another site's POST carries none). Logging out deletes the stored session
at once, whatever GupShup answers: every process sees it gone at its next request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from widget_server.clock import Clock
from widget_server.settings import settings_of
from widget_server.state.base import StateStore, StoreDown
from widget_server.upstream.errors import SiteTrouble

COOKIE = "gupshup_console"
SECURE_COOKIE = "__Host-" + COOKIE
PATH = "/console"
KEY = "console-session:"
MAX_ID = 64  # characters of a cookie looked at: ids are 43


@dataclass(frozen=True)
class Session:
    token: str
    phone: str
    expires: float

    @property
    def client(self) -> str:
        """Who the owner's calls count against: the owner, wherever they are."""
        return "owner:" + self.phone


class Sessions:
    def __init__(self, store: StateStore, clock: Clock, lifetime: float) -> None:
        self._store = store
        self._clock = clock
        self._lifetime = lifetime

    async def read(self, request: Request) -> Session | None:
        key = _key(request)
        if key is None:
            return None
        try:
            found = await self._store.get(key)
            data = json.loads(found) if found else None
        except (StoreDown, ValueError):
            return None
        if not isinstance(data, dict) or float(data.get("e", 0)) <= self._clock():
            return None
        return Session(str(data["t"]), str(data["p"]), float(data["e"]))

    async def start(self, response: Response, request: Request, token: str, phone: str) -> None:
        """A new session for `token`; SiteTrouble if it cannot be kept."""
        sid = secrets.token_urlsafe(32)
        expires = self._clock() + self._lifetime
        try:
            await self._store.put(KEY + _digest(sid), json.dumps(
                {"t": token, "p": phone, "e": expires}), self._lifetime)
        except StoreDown as error:
            raise SiteTrouble("state store unavailable") from error
        secure = _https(request)
        response.set_cookie(SECURE_COOKIE if secure else COOKIE, sid,
                            max_age=int(self._lifetime), path="/" if secure else PATH,
                            httponly=True, samesite="lax", secure=secure)

    async def revoke(self, request: Request) -> None:
        """The session is over, in every process, whatever else happens."""
        key = _key(request)
        if key is not None:
            with contextlib.suppress(StoreDown):  # it runs out by itself
                await self._store.drop(key)

    def end(self, response: Response, request: Request) -> None:
        """The browser forgets its cookie."""
        secure = _https(request)
        response.delete_cookie(SECURE_COOKIE if secure else COOKIE,
                               path="/" if secure else PATH, httponly=True, samesite="lax",
                               secure=secure)


def _key(request: Request) -> str | None:
    raw = request.cookies.get(SECURE_COOKIE if _https(request) else COOKIE, "")
    return KEY + _digest(raw) if 0 < len(raw) <= MAX_ID else None


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _https(request: Request) -> bool:
    public: str = settings_of(request).public_url
    return request.url.scheme == "https" or public.startswith("https://")
