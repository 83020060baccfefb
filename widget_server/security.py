"""Headers for pages other sites frame: a strict CSP with a nonce, nosniff, no referrer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from widget_server.render import Rendered


def frame_ancestors(allowed: tuple[str, ...]) -> str:
    return " ".join(("'self'", *allowed)) if allowed else "*"


def csp(nonce: str, ancestors: str, *, frames: bool = False) -> str:
    parts = [
        "default-src 'none'", f"script-src 'nonce-{nonce}'", f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:", "connect-src 'self'", "form-action 'self'", "base-uri 'none'",
        "object-src 'none'", f"frame-ancestors {ancestors}",
    ]
    if frames:
        parts.append("frame-src 'self'")
    return "; ".join(parts)


def page_response(request: Request, page: Rendered, *, status: int = 200,
                  headers: dict[str, str] | None = None, frames: bool = False,
                  ancestors: str | None = None) -> Response:
    """The page with a fresh nonce, or 304 when the client has it (without a new CSP,
    so the one stored with the client's copy, whose nonce matches it, stays)."""
    settings = request.app.state.settings
    common = {"ETag": page.etag, "X-Content-Type-Options": "nosniff",
              "Referrer-Policy": "no-referrer", **(headers or {})}
    if status == 200 and request.headers.get("if-none-match") == page.etag:
        return Response(status_code=304, headers=common)
    body, nonce = page.with_nonce()
    policy = csp(nonce, ancestors or frame_ancestors(settings.allowed_origins), frames=frames)
    return Response(body, status, media_type="text/html; charset=utf-8",
                    headers={**common, "Content-Security-Policy": policy})
