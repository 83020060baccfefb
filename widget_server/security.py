"""Headers for pages other sites frame: a strict CSP (scripts only from our own files,
inline styles only by hash), nosniff, no referrer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from widget_server.bodies import send_body
from widget_server.render import Rendered
from widget_server.settings import settings_of

HTML = "text/html; charset=utf-8"


def frame_ancestors(allowed: tuple[str, ...]) -> str:
    return " ".join(("'self'", *allowed)) if allowed else "*"


def csp(style_hashes: tuple[str, ...], ancestors: str, *, frames: bool = False) -> str:
    parts = [
        "default-src 'none'", "script-src 'self'", " ".join(("style-src 'self'", *style_hashes)),
        "img-src 'self' data:", "connect-src 'self'", "form-action 'self'", "base-uri 'none'",
        "object-src 'none'", f"frame-ancestors {ancestors}",
    ]
    if frames:
        parts.append("frame-src 'self'")
    return "; ".join(parts)


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every answer (JSON, oEmbed, feeds, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k == b"x-content-type-options" for k, _ in headers):
                    message = {**message, "headers": [*headers, NOSNIFF]}
            await send(message)
        await self.app(scope, receive, sending)


NOSNIFF = (b"x-content-type-options", b"nosniff")


def page_response(request: Request, page: Rendered, *, status: int = 200,
                  headers: dict[str, str] | None = None, frames: bool = False,
                  ancestors: str | None = None) -> Response:
    """The page as rendered, or 304 when the client already has it."""
    if ancestors is None:
        ancestors = frame_ancestors(settings_of(request).allowed_origins)
    common = page.headers.get((ancestors, frames))
    if common is None:
        common = page.headers[(ancestors, frames)] = {
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": csp(page.style_hashes, ancestors, frames=frames)}
    return send_body(request, page, HTML, {**common, **(headers or {})}, status)
