"""Headless Chromium (Debian's) through Playwright, and a host page on another origin."""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def host_app(widgets: str) -> Starlette:
    """A blog on another origin: `/script?…` embeds with the script snippet (every query
    parameter becomes a `data-*` attribute), `/iframe?src=…` with the iframe snippet."""

    async def script(request: Request) -> HTMLResponse:
        attrs = " ".join(f'data-{escape(k)}="{escape(v)}"' for k, v in request.query_params.items())
        return _page(f'<script src="{widgets}/embed.js" {attrs} async></script>')

    async def iframe(request: Request) -> HTMLResponse:
        src = escape(widgets + request.query_params.get("src", "/widget/groups/jumpy"))
        return _page(f'<iframe src="{src}" title="GupShup group" width="100%" height="480" '
                     'style="border:0" loading="lazy"></iframe>')

    return Starlette(routes=[Route("/script", script), Route("/iframe", iframe)])


def _page(embed: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A blog</title></head><body style="margin:0;padding:20px;font-family:sans-serif;
max-width:440px"><h1>My blog</h1><p>Before the widget.</p>{embed}<p id="after">After the
widget.</p></body></html>""")
