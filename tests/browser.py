"""Headless Chromium (Debian's) through Playwright, and a host page on another origin."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; screenshots go to ARTIFACTS."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@dataclass
class Server:
    base: str
    app: Any


@contextlib.contextmanager
def roomy_server(data_dir: Path) -> Iterator[Server]:
    """The app on a live port with room for many pages a minute from one client: the
    budget and the throttle are not what such tests test."""
    from tests.harness import kept
    from tests.live import live_server
    from widget_server.app import create_app
    from widget_server.settings import Settings

    app = create_app(Settings(
        data_dir=data_dir, budget=(220, 950, 9500), **kept((100, 100, 500)),
        throttle_warn=(250, 990, 9990), throttle_limit=(300, 1000, 10000),
        client_share=1.0))
    with live_server(app, lifespan="on") as base:
        yield Server(base, app)


def axe_violations(page: Page) -> list[str]:
    """axe-core's findings on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def host_app(widgets: str) -> Starlette:
    """A blog on another origin: `/script?…` embeds with the script snippet (every query
    parameter becomes a `data-*` attribute), `/iframe?src=…` with the iframe snippet."""

    async def script(request: Request) -> HTMLResponse:
        attrs = " ".join(f'data-{escape(k)}="{escape(v)}"' for k, v in request.query_params.items())
        return _page(f'<script src="{widgets}/embed.js" {attrs} async></script>')

    async def iframe(request: Request) -> HTMLResponse:
        src = escape(widgets + request.query_params.get("src", "/widget/groups/jumpy"))
        sandbox = ' sandbox="allow-scripts"' if request.query_params.get("sandbox") else ""
        return _page(f'<iframe src="{src}" title="GupShup group" width="100%" height="480" '
                     f'style="border:0" loading="lazy"{sandbox}></iframe>')

    async def wordpress(request: Request) -> HTMLResponse:
        """The widget URL `src` embedded as WordPress does for an untrusted provider: its
        oEmbed HTML through `wp_sandboxed`, and wp-embed.js's part only when WordPress
        would load it (the HTML has its blockquote). The real one is test_wordpress.py's."""
        import httpx
        url = widgets + request.query_params.get("src", "/widget/groups/jumpy")
        async with httpx.AsyncClient() as client:
            answer = await client.get(widgets + "/oembed", params={"url": url,
                                                                    "maxheight": "750"})
        html = wp_sandboxed(answer.json()["html"])
        loads = '<blockquote class="wp-embedded-content"' in html
        # `late`: a page slow to reach its footer, where wp-embed.js runs after the widget
        # first spoke (what it said then is lost; "ready" asks again).
        start = ("addEventListener('load', function () { setTimeout(wpEmbed, 1000); });"
                 if request.query_params.get("late") else "wpEmbed();")
        return _page(html + (WP_EMBED + f"<script>{start}</script>" if loads else ""))

    async def snippet(request: Request) -> HTMLResponse:
        """A snippet (`kind`, the script by default) exactly as the customization page
        gives it."""
        import httpx
        params = dict(request.query_params)
        kind = params.pop("kind", "script")
        answer = httpx.get(widgets + "/", params=params, headers={"Accept": "application/json"})
        return _page(answer.json()["snippets"][kind] + CLS_PROBE)

    async def silent(request: Request) -> HTMLResponse:
        """The script and iframe snippets of a widget server that serves the loader but
        whose widgets never answer (here: this host, where /widget/ is not found)."""
        from widget_server.embeds import snippets
        from widget_server.options import Options
        given = snippets(str(request.base_url).rstrip("/"), "jumpy", Options.parse({}))
        return _page(given["script"] + given["iframe"])

    async def earlier(request: Request) -> HTMLResponse:
        """The script snippet as the customization page wrote it before <gupshup-widget>:
        blogs keep what they pasted, and /embed.js must still fill its slot."""
        return _page(f'<div style="container-type:inline-size"><div data-gupshup-slot '
                     'style="min-height:max(450px,min(540px,calc(540px - (100cqw - 419px) '
                     '* 1000)))"><noscript></noscript></div>\n<script src="'
                     f'{widgets}/embed.js" data-group="jumpy" data-heights="540 450" async>'
                     '</script></div>')

    async def loader(request: Request) -> Response:
        from widget_server.embeds import LOADER
        return Response(LOADER, media_type="text/javascript")

    return Starlette(routes=[Route("/script", script), Route("/iframe", iframe),
                             Route("/wordpress", wordpress), Route("/snippet", snippet),
                             Route("/silent", silent), Route("/embed.js", loader),
                             Route("/earlier", earlier)])


CLS_PROBE = """<script>
window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { if (!e.hadRecentInput) window.__cls += e.value; });
}).observe({type: "layout-shift", buffered: true});
</script>"""


WP_ALLOWED = ("src", "width", "height", "frameborder", "marginwidth", "marginheight",
              "scrolling", "title")


def wp_sandboxed(html: str) -> str:
    """wp_filter_oembed_result (wp-includes/embed.php, 6.1) in short: only a blockquote's
    link and the iframe's allowed attributes are kept; a secret of WordPress's own in the
    frame's fragment and on both; the frame hidden while a blockquote can stand in; the
    sandbox."""
    secret = "Wp5ecret42"
    quote = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", html, re.S)
    frame = re.search(r"<iframe([^>]*)></iframe>", html, re.S)
    assert frame is not None, html
    kept = {k: v for k, v in re.findall(r'([\w-]+)="([^"]*)"', frame.group(1))
            if k in WP_ALLOWED}
    kept["src"] += f"#?secret={secret}"
    attrs = " ".join(f'{k}="{v}"' for k, v in kept.items())
    hidden = ' style="position: absolute; clip: rect(1px, 1px, 1px, 1px);"' if quote else ""
    link = re.sub(r"<(?!/?a[ >])[^>]*>", "", quote.group(1)) if quote else ""
    said = (f'<blockquote class="wp-embedded-content" data-secret="{secret}">{link}'
            "</blockquote>") if quote else ""
    return (f'{said}<iframe class="wp-embedded-content" sandbox="allow-scripts" '
            f'security="restricted"{hidden} {attrs} data-secret="{secret}"></iframe>')


# The part of wp-embed.js (6.1) that answers an embed's messages, and its "ready".
WP_EMBED = """<script>
function wpEmbed() {
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (!d || !(d.secret || d.message || d.value) || /[^a-zA-Z0-9]/.test(d.secret)) return;
    document.querySelectorAll('blockquote[data-secret="' + d.secret + '"]').forEach(function (b) {
      b.style.display = "none";
    });
    document.querySelectorAll('iframe[data-secret="' + d.secret + '"]').forEach(function (f) {
      if (e.source !== f.contentWindow) return;
      f.removeAttribute("style");
      if (d.message === "height") {
        f.height = Math.max(200, Math.min(1000, parseInt(d.value, 10)));
      } else if (d.message === "link" && new URL(d.value).host === new URL(f.src).host &&
                 document.activeElement === f) {
        window.top.location.href = d.value;
      }
    });
  });
  document.querySelectorAll("iframe.wp-embedded-content").forEach(function (f) {
    f.contentWindow.postMessage({message: "ready", secret: f.getAttribute("data-secret")}, "*");
  });
}
</script>"""


def _page(embed: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A blog</title></head><body style="margin:0;padding:20px;font-family:sans-serif;
max-width:440px"><h1>My blog</h1><p>Before the widget.</p>{embed}<p id="after">After the
widget.</p></body></html>""")
