"""The owner's session: a signed cookie holding the upstream token, never a password.

`HttpOnly` (no script reads it), `SameSite=Lax` (another site's POST carries none),
`Secure` whenever the console is served over HTTPS, scoped to `/console`. It lasts as long
as the upstream's token at most; when the upstream says the token is no longer good, the
cookie is cleared at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData
from starlette.requests import Request
from starlette.responses import Response

from widget_server.clock import Clock
from widget_server.settings import settings_of
from widget_server.tickets import clock_serializer

COOKIE = "gupshup_console"
PATH = "/console"


@dataclass(frozen=True)
class Session:
    token: str
    phone: str
    expires: float


class Sessions:
    def __init__(self, secret: str, clock: Clock, lifetime: float) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._serializer = clock_serializer(secret, "console-session", clock)

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE, "")
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw[:2048], max_age=int(self._lifetime))
        except BadData:
            return None
        if not isinstance(data, dict) or float(data.get("e", 0)) <= self._clock():
            return None
        return Session(str(data["t"]), str(data["p"]), float(data["e"]))

    def start(self, response: Response, request: Request, token: str, phone: str) -> None:
        expires = self._clock() + self._lifetime
        value = self._serializer.dumps({"t": token, "p": phone, "e": expires})
        response.set_cookie(COOKIE, str(value), max_age=int(self._lifetime), path=PATH,
                            httponly=True, samesite="lax", secure=_https(request))

    def end(self, response: Response, request: Request) -> None:
        response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax",
                               secure=_https(request))


def _https(request: Request) -> bool:
    public: str = settings_of(request).public_url
    return request.url.scheme == "https" or public.startswith("https://")
