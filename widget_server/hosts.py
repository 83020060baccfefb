"""Only the server's own names: a request whose `Host` is not one of them is refused (421)
before any view runs. Without it a page whose name re-resolves to this server (DNS
rebinding) makes its visitors' browsers same-origin with it, past every cross-site check.

Its names: `WIDGET_PUBLIC_URL`'s host, loopback, and `WIDGET_ALLOWED_HOSTS` (`*` for any,
at the operator's risk)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from widget_server.net import is_loopback
from widget_server.settings import Settings

LOOPBACK_NAMES = frozenset({"localhost"})


def own_names(settings: Settings) -> frozenset[str]:
    names = {name.lower() for name in settings.allowed_hosts}
    if settings.public_url:
        names.add((urlsplit(settings.public_url).hostname or "").lower())
    return frozenset(names | LOOPBACK_NAMES)


def host_name(header: str) -> str:
    """The name in a `Host` header, without its port (IPv6 literals unbracketed)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class KnownHosts:
    def __init__(self, app: ASGIApp, names: frozenset[str]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "*" not in self.names:
            name = host_name(Headers(scope=scope).get("host", ""))
            if name not in self.names and not is_loopback(name):
                answer = PlainTextResponse(
                    "This server does not answer for that name. Its operator can add it to "
                    "WIDGET_ALLOWED_HOSTS (or set WIDGET_PUBLIC_URL).", 421,
                    headers={"Cache-Control": "no-store"})
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
