"""Live widgets in Chromium: an open widget shows a post made through the local GupShup's
API without a reload, in the polite live region; a hidden tab holds no connection; after
the server restarts, the widget reconnects and catches up."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import ARTIFACTS, chromium, host_app
from tests.helpers import post_over_http
from tests.live import live_server
from widget_server.app import create_app
from widget_server.settings import Settings

pytestmark = pytest.mark.browser
GROUPS = ("jumpy", "shayari", "cricketbuzz", "delhimetro")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _in_use(base: str) -> None:
    """Visitors look at a few groups: the feed watches for them."""
    for _ in range(2):
        for group in GROUPS:
            assert httpx.get(f"{base}/api/groups/{group}/messages").status_code == 200
        time.sleep(1.1)


def _open_streams(base: str) -> float:
    found = re.search(r"^widget_live_streams (\S+)", httpx.get(base + "/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def _wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline
        time.sleep(0.2)


def _widget(browser: Browser, base: str) -> Page:
    page = browser.new_page(viewport={"width": 480, "height": 700})
    page.goto(f"{base}/widget/groups/jumpy")
    _wait_for(lambda: _open_streams(base) >= 1, 10)
    return page


def test_an_open_widget_shows_a_post_live(browser: Browser, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", expose_gupshup=True,
                              client_share=1.0))  # one test client plays every reader
    with live_server(app) as base:
        _in_use(base)
        page = _widget(browser, base)
        page.locator(".msg").first.focus()
        post_over_http(base, "jumpy", "Live in the browser")
        posted = time.monotonic()
        expect(page.locator(".msg .text").first).to_have_text("Live in the browser",
                                                               timeout=20_000)
        assert time.monotonic() - posted < 20
        expect(page.locator("#announce")).to_have_text(re.compile(r"\S"))
        assert page.locator("#announce").get_attribute("aria-live") == "polite"
        # The reader's place is kept: focus stays on the message it was on.
        assert page.evaluate("document.activeElement.classList.contains('msg')")
        page.screenshot(path=str(ARTIFACTS / "live-widget.png"))
        page.close()


@pytest.mark.parametrize("embed", ["script?group=jumpy", "iframe?src=/widget/groups/jumpy",
                                   "wordpress?src=/widget/groups/jumpy"])
def test_every_embed_is_live(browser: Browser, tmp_path: Path, embed: str) -> None:
    """The script snippet, the plain iframe, and oEmbed as WordPress sandboxes it (an
    opaque origin: the stream and the fetch are cross-origin there)."""
    app = create_app(Settings(data_dir=tmp_path / "data", expose_gupshup=True,
                              client_share=1.0))  # one test client plays every reader
    with live_server(app) as base, live_server(host_app(base)) as host:
        _in_use(base)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{host}/{embed}")
        page.locator("iframe").scroll_into_view_if_needed()
        _wait_for(lambda: _open_streams(base) >= 1, 10)
        post_over_http(base, "jumpy", f"Live through {embed.split('?')[0]}")
        expect(page.frame_locator("iframe").locator(".msg .text").first).to_have_text(
            f"Live through {embed.split('?')[0]}", timeout=20_000)
        page.close()


def test_a_hidden_tab_holds_no_connection(browser: Browser, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", client_share=1.0))
    with live_server(app) as base:
        page = _widget(browser, base)
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {value: true, configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
        _wait_for(lambda: _open_streams(base) == 0, 10)
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {value: false, configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
        _wait_for(lambda: _open_streams(base) == 1, 10)
        page.close()


def test_the_widget_reconnects_after_a_restart_and_catches_up(
        browser: Browser, tmp_path: Path) -> None:
    # A minute's room for two cold starts' first views and the feed's catch-up after each:
    # guesses and refreshes share what the floors leave (10 a minute by default).
    settings = Settings(data_dir=tmp_path / "data", expose_gupshup=True, client_share=1.0,
                        budget=(40, 950, 9500))
    with live_server(create_app(settings)) as base:
        _in_use(base)
        page = _widget(browser, base)
        port = int(base.rsplit(":", 1)[1])
    with live_server(create_app(settings), port=port) as again:  # the server is back
        _in_use(again)
        post_over_http(again, "jumpy", "Said while it was away")
        expect(page.locator(".msg .text").first).to_have_text("Said while it was away",
                                                               timeout=30_000)
        assert _open_streams(again) == 1
        page.close()
