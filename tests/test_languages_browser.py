"""The twelve languages as readers see them, in Debian's Chromium with Debian's Noto fonts:
no missing glyph in any language's widget, axe-core finds nothing light or dark, Urdu lays
out right to left in the widget, the form and the console (screenshots at 375 and 1280 px
in tests/artifacts/languages/), and live times in the locale's own words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import ARTIFACTS, Server, axe_violations, chromium
from tests.test_i18n import INDIA
from widget_server.gupshup.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "languages"

# Each character of the page's text drawn with the page's own fonts, against a code point
# no font has (its drawing is the "missing glyph" box): those drawn the same are missing.
MISSING_GLYPHS = """(extra) => {
  const text = document.body.innerText + extra;
  const chars = [...new Set([...text])].filter((c) => c.trim());
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  ctx.font = "28px " + getComputedStyle(document.body).fontFamily;
  const draw = (c) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.fillText(c, 6, 36);
    return ctx.getImageData(0, 0, 48, 48).data.join();
  };
  const box = draw("\\u{10FFFD}");
  return chars.filter((c) => draw(c) === box);
}"""


@pytest.fixture(scope="module")
def server(roomy: Server) -> Server:
    return roomy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as launched:
        yield launched


def _page(browser: Browser, width: int = 375, dark: bool = False) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme="dark" if dark else "light")
    return context.new_page()


def test_a_missing_glyph_is_found() -> None:
    """The check itself: a character no installed font has is reported."""
    with chromium() as launched:
        page = launched.new_page()
        page.set_content("<p>plain</p>")
        assert page.evaluate(MISSING_GLYPHS, "\U000F0000") == ["\U000F0000"]
        assert page.evaluate(MISSING_GLYPHS, "") == []


@pytest.mark.parametrize("lang", INDIA)
def test_every_language_shows_every_glyph_and_passes_axe(browser: Browser, server: Server,
                                                         lang: str) -> None:
    for dark in (False, True):
        page = _page(browser, dark=dark)
        page.goto(f"{server.base}/widget/groups/jumpy?lang={lang}&subscribe=true&count=3")
        expect(page.locator(".msg").first).to_be_visible()
        assert page.evaluate(MISSING_GLYPHS, "") == [], lang
        assert axe_violations(page) == [], (lang, dark)
        if not dark:
            page.screenshot(path=str(SHOTS / f"widget-{lang}-375.png"), full_page=True)
        page.context.close()


def test_urdu_is_right_to_left_in_the_widget_the_form_and_the_console(
        browser: Browser, server: Server) -> None:
    for width in (375, 1280):
        page = _page(browser, width)
        page.goto(f"{server.base}/widget/groups/jumpy?lang=ur&subscribe=true&count=3")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        head, badge = page.locator(".head h1"), page.locator(".head .badge")
        # The badge starts the heading, so in Urdu it stands at the right.
        assert badge.bounding_box()["x"] > head.bounding_box()["x"] + 100  # type: ignore[index]
        phone = page.locator("#sub-phone")
        assert phone.evaluate("e => getComputedStyle(e).direction") == "ltr"  # a number
        page.screenshot(path=str(SHOTS / f"widget-ur-{width}.png"), full_page=True)
        page.goto(f"{server.base}/console?lang=ur")
        page.locator("#phone").fill("98211 07770")
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("form.form button[type=submit]").click()
        expect(page.locator("h1, h2").first).to_be_visible()
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate(MISSING_GLYPHS, "") == []
        assert axe_violations(page) == []
        page.screenshot(path=str(SHOTS / f"console-ur-{width}.png"), full_page=True)
        page.context.close()


def test_the_customization_page_speaks_the_language_asked(browser: Browser,
                                                          server: Server) -> None:
    page = _page(browser, 1280)
    page.goto(f"{server.base}/?group=jumpy&lang=ur")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(page.get_by_role("heading", level=1)).to_have_text("اپنے بلاگ پر GupShup گروپ لگائیں")
    assert page.evaluate(MISSING_GLYPHS, "") == []
    page.screenshot(path=str(SHOTS / "customize-ur-1280.png"), full_page=True)
    page.context.close()


def test_live_times_and_counts_in_the_locales_own_words(browser: Browser,
                                                       server: Server) -> None:
    """Marathi writes its own digits: the member count from the server, and the relative
    times the browser writes (Intl) are in Devanagari digits and Marathi words."""
    page = _page(browser, 1280)
    page.goto(f"{server.base}/widget/groups/jumpy?lang=mr&count=3")
    meta = page.locator(".head .meta").inner_text()
    assert any("\u0966" <= c <= "\u096f" for c in meta), meta
    first = page.locator(".msg time").first.inner_text()
    assert any("\u0900" <= c <= "\u097f" for c in first), first  # not "3 minutes ago"
    page.goto(f"{server.base}/widget/groups/jumpy?lang=or&count=3")  # no Odia in Intl here
    first = page.locator(".msg time").first.inner_text()
    assert "ago" not in first and any("\u0b00" <= c <= "\u0b7f" for c in first), first
    page.context.close()
