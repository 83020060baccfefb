"""Headless Chromium (Debian's) through Playwright, and a host page on another origin."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from html import escape
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
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
        return _page(f'<iframe src="{src}" title="GupShup group" width="100%" height="480" '
                     'style="border:0" loading="lazy"></iframe>')

    async def wordpress(request: Request) -> HTMLResponse:
        """The iframe as WordPress rewrites an untrusted oEmbed (wp-includes/embed.php):
        sandboxed to scripts, the secret in the fragment, the style stripped; and the
        part of wp-embed.js that resizes it on a height message with that secret."""
        src = escape(widgets + request.query_params.get("src", "/widget/groups/jumpy"))
        secret = "Wp5ecret42"
        return _page(f'<iframe sandbox="allow-scripts" security="restricted" '
                     f'src="{src}#?secret={secret}" data-secret="{secret}" width="440" '
                     'height="338" title="GupShup group" frameborder="0" marginwidth="0" '
                     'marginheight="0" scrolling="no" class="wp-embedded-content"></iframe>'
                     + WP_EMBED)

    async def snippet(request: Request) -> HTMLResponse:
        """The script snippet exactly as the customization page gives it."""
        import httpx
        answer = httpx.get(widgets + "/", params=dict(request.query_params),
                           headers={"Accept": "application/json"})
        return _page(answer.json()["snippets"]["script"] + CLS_PROBE)

    return Starlette(routes=[Route("/script", script), Route("/iframe", iframe),
                             Route("/wordpress", wordpress), Route("/snippet", snippet)])


CLS_PROBE = """<script>
window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { if (!e.hadRecentInput) window.__cls += e.value; });
}).observe({type: "layout-shift", buffered: true});
</script>"""


WP_EMBED = """<script>
window.addEventListener("message", function (e) {
  var d = e.data, frames = document.querySelectorAll("iframe[data-secret]");
  if (!d || !d.secret || d.message !== "height") return;
  frames.forEach(function (f) {
    if (f.getAttribute("data-secret") === d.secret && f.contentWindow === e.source) {
      f.height = Math.max(200, Math.min(1000, parseInt(d.value, 10)));
    }
  });
});
</script>"""


def _page(embed: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A blog</title></head><body style="margin:0;padding:20px;font-family:sans-serif;
max-width:440px"><h1>My blog</h1><p>Before the widget.</p>{embed}<p id="after">After the
widget.</p></body></html>""")
