"""The widgets as visitors and blog owners see them, in real Chromium."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Frame,
    Page,
    expect,
)

from tests.browser import ARTIFACTS, axe_violations, chromium, host_app
from tests.helpers import post_over_http
from tests.live import live_server
from widget_server.app import create_app
from widget_server.settings import Settings
from widget_server.views.customize import PRESETS

pytestmark = pytest.mark.browser
HOSTILE = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "javascript:alert('href')",
    "</style><style>body{display:none}</style>",
    '"><svg onload=alert(1)>',
    "<a href=\"javascript:alert('a')\">click</a>",
]


@dataclass
class Servers:
    widgets: str
    host: str


def _post_hostile(widgets: str, app: Any) -> None:
    """A group holding hostile messages, posted through the local GupShup API."""
    gupshup = app.state.services.local
    with gupshup.db.write() as conn:
        conn.execute("INSERT INTO groups (name, title, description, public, owner_id, created)"
                     " VALUES ('xss', '<b>Bold</b> title', '<i>desc</i>', 1, 1, 0)")
    post_over_http(widgets, "xss", *HOSTILE)


@pytest.fixture(scope="module")
def widget_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # The budget is not what these tests are about (test_budget_throttle is): many pages
    # in one minute must not run into it.
    app = create_app(Settings(
        data_dir=tmp_path_factory.mktemp("browser"), budget=(220, 950, 9500),
        expose_gupshup=True,  # the hostile messages are posted through the raw API
        throttle_warn=(250, 990, 9990), throttle_limit=(300, 1000, 10000)))
    yield app
    app.state.services.local.close()


@pytest.fixture(scope="module")
def app_state(widget_app: Any) -> Any:
    return widget_app.state


@pytest.fixture(scope="module")
def servers(widget_app: Any) -> Iterator[Servers]:
    with live_server(widget_app) as widgets:
        _post_hostile(widgets, widget_app)
        with live_server(host_app(widgets)) as host:
            yield Servers(widgets, host)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Visit:
    context: BrowserContext
    page: Page
    requests: list[str]
    set_cookies: list[str]
    dialogs: list[str]


@pytest.fixture
def visit(browser: Browser) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_page(url: str, **options: Any) -> Visit:
        context = browser.new_context(**{"viewport": {"width": 480, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(context, page, [], [], [])
        page.on("request", lambda r: seen.requests.append(r.url))
        page.on("response", lambda r: seen.set_cookies.extend(
            [v for k, v in r.headers.items() if k.lower() == "set-cookie"]))
        def on_dialog(dialog: Dialog) -> None:
            seen.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(url)
        return seen

    yield open_page
    for context in contexts:
        context.close()


def _widget_frame(page: Page, messages: int = 1) -> Frame:
    page.wait_for_selector("iframe")
    page.locator("iframe").scroll_into_view_if_needed()
    for _ in range(100):
        frames = [f for f in page.frames if f != page.main_frame and "/widget/" in f.url]
        if frames and frames[0].locator(".msg").count() >= messages:
            return frames[0]
        page.wait_for_timeout(100)
    raise AssertionError("the widget never showed its messages")


def _only_our_origins(seen: Visit, servers: Servers) -> None:
    foreign = [u for u in seen.requests
               if not u.startswith((servers.widgets, servers.host, "data:"))]
    assert foreign == []
    assert seen.set_cookies == [] and seen.context.cookies() == []


def test_script_snippet_embeds_a_sized_coloured_widget(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?group=jumpy&color=%238e24aa&count=4")
    frame = _widget_frame(seen.page, 4)
    iframe = seen.page.locator("iframe")
    assert iframe.get_attribute("loading") == "lazy"
    # named by the loader at first, then by the widget itself
    assert iframe.get_attribute("title") in ("GupShup group jumpy", "Jumpy · GupShup")
    assert frame.locator(".msg").count() == 4
    header = frame.locator(".head").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(142, 36, 170)"
    content = 0.0
    for _ in range(50):  # the height settles to the content
        content = frame.evaluate("document.body.getBoundingClientRect().height")
        outer = iframe.evaluate("e => e.getBoundingClientRect().height")
        if abs(outer - content) <= 1:
            break
        seen.page.wait_for_timeout(100)
    assert abs(outer - content) <= 1 and content > 200
    # Below the widget, the page goes on right after it: no gap, no overlap.
    after = seen.page.locator("#after").evaluate("e => e.getBoundingClientRect().top")
    bottom = iframe.evaluate("e => e.getBoundingClientRect().bottom")
    assert 0 <= after - bottom < 40
    seen.page.screenshot(path=str(ARTIFACTS / "widget-light.png"), full_page=True)
    _only_our_origins(seen, servers)


def test_initial_height_is_close_to_the_final_one(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?group=jumpy&count=5")
    initial = seen.page.locator("iframe").evaluate("e => e.getBoundingClientRect().height")
    frame = _widget_frame(seen.page, 5)
    seen.page.wait_for_timeout(300)
    final = frame.evaluate("document.body.getBoundingClientRect().height")
    assert abs(initial - final) / final < 0.2


def test_the_frame_takes_the_widgets_own_title(visit: Any, servers: Servers) -> None:
    """The loader's first title is a guess in English; the widget names itself."""
    seen = visit(f"{servers.host}/script?group=jumpy&lang=hi")
    _widget_frame(seen.page, 1)
    expect(seen.page.locator("iframe")).to_have_attribute("title", "Jumpy · GupShup")


def test_iframe_snippet_works_with_javascript_off(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/iframe?src=/widget/groups/jumpy%3Fcount%3D5",
                 java_script_enabled=False)
    frame = _widget_frame(seen.page, 5)
    assert frame.locator(".msg").count() == 5
    assert "IST" in frame.locator("time").first.inner_text()  # no script made it relative
    older = frame.locator("a[rel=next]")
    older.click()
    frame.wait_for_url("**from=5**")
    assert frame.locator(".msg").count() == 5
    _only_our_origins(seen, servers)


def test_dark_mode_follows_the_system_and_the_host_page(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?group=jumpy&count=3", color_scheme="dark")
    frame = _widget_frame(seen.page, 3)
    background = "document => getComputedStyle(document.querySelector('.gs')).backgroundColor"
    assert frame.evaluate(f"({background})(document)") == "rgb(22, 23, 26)"
    seen.page.screenshot(path=str(ARTIFACTS / "widget-dark.png"), full_page=True)
    seen.page.emulate_media(color_scheme="light")  # live, without reload
    assert frame.evaluate(f"({background})(document)") == "rgb(255, 255, 255)"
    seen.page.evaluate("window.postMessage({type: 'gupshup:theme', theme: 'dark'}, '*')")
    expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    assert frame.evaluate(f"({background})(document)") == "rgb(22, 23, 26)"


def test_hostile_messages_render_as_inert_text(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?group=xss&count=10")
    frame = _widget_frame(seen.page, len(HOSTILE))
    seen.page.wait_for_timeout(500)
    texts = frame.locator(".msg .text").all_inner_texts()
    assert sorted(texts) == sorted(HOSTILE)
    assert frame.locator("main img, main svg, main iframe, main a[href^=javascript]").count() == 0
    assert frame.locator("main script, main style").count() == 0
    assert frame.locator("h1").inner_text().endswith("<b>Bold</b> title")
    assert seen.dialogs == []
    assert frame.evaluate("getComputedStyle(document.body).display") == "block"
    seen.page.screenshot(path=str(ARTIFACTS / "widget-hostile.png"), full_page=True)
    _only_our_origins(seen, servers)


def test_public_stream_widget(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?stream=public&count=6&lang=hi")
    frame = _widget_frame(seen.page, 6)
    assert frame.evaluate("document.documentElement.lang") == "hi"
    assert "Adult" not in frame.locator("main").inner_text()


def test_customization_page_updates_preview_and_snippets(visit: Any, servers: Servers) -> None:
    seen = visit(servers.widgets + "/", viewport={"width": 1200, "height": 1000})
    page = seen.page
    script, preview = page.locator("#snippet-script"), page.locator("#preview")
    page.fill("#group", "cricketbuzz")
    expect(script).to_have_value(re.compile("cricketbuzz"))
    expect(preview).to_have_attribute("src", re.compile("cricketbuzz"))
    expect(page.locator("#group-check")).to_contain_text("Group found")
    page.fill("#group", "nosuchgroup")
    expect(page.locator("#group-check")).to_contain_text("no public GupShup group")
    expect(preview).to_have_attribute("src", re.compile("nosuchgroup"))  # what it would show
    expect(page.frame_locator("#preview").locator("body")).to_contain_text("doesn't exist")
    page.screenshot(path=str(ARTIFACTS / "customize-error.png"), full_page=True)
    page.fill("#group", "jumpy")
    page.click("button.swatch:has-text('Ocean')")
    expect(script).to_have_value(re.compile("#1971c2"))
    page.select_option("#theme", "dark")
    page.fill("#count", "3")
    expect(page.locator("#snippet-iframe")).to_have_value(re.compile("theme=dark"))
    url = page.input_value("#snippet-url")
    assert "color=%231971c2" in url and "count=3" in url
    expect(preview).to_have_attribute("src", re.compile("count=3"))
    frame = page.frame_locator("#preview")
    expect(frame.locator(".msg")).to_have_count(3)
    page.screenshot(path=str(ARTIFACTS / "customize.png"), full_page=True)
    assert seen.context.cookies() == []


def test_customization_page_as_a_plain_form(visit: Any, servers: Servers) -> None:
    seen = visit(servers.widgets + "/", java_script_enabled=False)
    page = seen.page
    page.fill("#group", "shayari")
    page.click("button.swatch:has-text('Leaf')")
    page.wait_for_url("**group=shayari**")
    assert "#2f9e44" in page.input_value("#snippet-script")
    assert "shayari" in (page.get_attribute("#preview", "src") or "")


def test_artifacts_exist() -> None:
    names = {p.name for p in ARTIFACTS.glob("*.png")}
    assert {"widget-light.png", "widget-dark.png", "customize.png"} <= names


def test_artifacts_dir_is_ignored() -> None:
    ignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text()
    assert "tests/artifacts/" in ignore


def _code(app_state: Any, phone: str) -> str:
    texts = [m.text for m in app_state.services.local.outbox.messages(phone) if m.kind == "code"]
    match = re.search(r" is ([A-Z0-9]{4})\.", texts[0])
    assert match
    return match.group(1)


def _members(frame: Frame) -> int:
    match = re.search(r"(\d+) members?\b", frame.locator(".head .meta").inner_text())
    assert match
    return int(match.group(1))


@pytest.mark.parametrize("javascript", [True, False])
def test_subscribe_in_an_embedded_widget(visit: Any, servers: Servers, app_state: Any,
                                         javascript: bool) -> None:
    phone = "9819535711" if javascript else "9819535722"
    group = "shayari" if javascript else "delhimetro"
    seen = visit(f"{servers.host}/script?group={group}&subscribe=true&count=2",
                 java_script_enabled=javascript)
    if not javascript:  # the script snippet needs scripts: use the iframe snippet
        seen.page.goto(f"{servers.host}/iframe?src=/widget/groups/{group}%3Fsubscribe%3D1"
                       "%26count%3D2")
    frame = _widget_frame(seen.page, 2)
    before = _members(frame)
    frame.fill("#sub-phone", "+91 " + phone[:5] + " " + phone[5:])
    frame.click("#subscribe button[type=submit]")
    code_field = frame.locator("#sub-code")
    expect(code_field).to_be_visible()
    expect(frame.locator("#sub-status")).to_contain_text("******" + phone[-4:])
    if javascript:
        expect(code_field).to_be_focused()
        expect(frame.locator("#announce")).to_contain_text("code is on its way")
        expect(frame.locator(".sub-resend button")).to_be_disabled()
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    frame.fill("#sub-code", "zzzz" if _code(app_state, phone) != "ZZZZ" else "yyyy")
    frame.click("#subscribe form[data-step=confirm] button")
    expect(frame.locator("#sub-status")).to_contain_text("tries left")
    if javascript:  # back in the code field, to type it again, the words read out with it
        expect(frame.locator("#sub-code")).to_be_focused()
        expect(frame.locator("#sub-code")).to_have_attribute("aria-describedby", "sub-status")
    frame.fill("#sub-code", _code(app_state, phone).lower())
    frame.click("#subscribe form[data-step=confirm] button")
    expect(frame.locator("#sub-status")).to_contain_text("Done!")
    seen.page.screenshot(path=str(ARTIFACTS / f"subscribed-js-{javascript}.png"),
                         full_page=True)
    app_state.services.cache.entries.clear()  # let the member count be fetched anew
    with sqlite3.connect(app_state.services.settings.data_dir / "state.sqlite3") as kept:
        kept.execute("DELETE FROM entries")
    frame.goto(f"{servers.widgets}/widget/groups/{group}?count=2")
    assert _members(frame) == before + 1
    _only_our_origins(seen, servers)


def test_a_wordpress_embed_resizes_and_says_where_to_subscribe(visit: Any,
                                                               servers: Servers) -> None:
    """Against the stand-in of WordPress's sandboxed embed (the real one: test_wordpress)."""
    seen = visit(f"{servers.host}/wordpress?src=/widget/groups/jumpy%3Fsubscribe%3D1"
                 "%26count%3D3")
    frame = _widget_frame(seen.page, 3)
    iframe = seen.page.locator("iframe")
    seen.page.wait_for_function(
        "!document.querySelector('iframe').getAttribute('style')", timeout=10_000)
    expect(seen.page.locator("blockquote")).to_be_hidden()
    height = int(iframe.get_attribute("height") or 0)
    content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert abs(height - content) <= 2  # sized to the widget, not clipped, no band
    note = frame.locator("#subscribe .status")
    expect(note).to_contain_text("cannot send forms")
    link = note.get_by_role("link", name="Subscribe by SMS")
    expect(link).to_have_attribute("href", re.compile(r"/widget/groups/jumpy\?.*subscribe=1"))
    assert frame.locator("#subscribe form").count() == 0
    seen.page.screenshot(path=str(ARTIFACTS / "wordpress.png"), full_page=True)
    link.click()  # wp-embed.js opens it in the top window
    seen.page.wait_for_url(re.compile(r"/widget/groups/jumpy\?.*subscribe=1"))
    expect(seen.page.locator("#sub-phone")).to_be_visible()


def test_a_wordpress_that_listens_late_still_sizes_the_embed(visit: Any,
                                                            servers: Servers) -> None:
    """wp-embed.js in a slow page's footer starts listening after the widget first spoke:
    its "ready" must be answered with the height again, or the frame stays hidden."""
    seen = visit(f"{servers.host}/wordpress?late=1&src=/widget/groups/jumpy%3Fcount%3D3")
    frame = _widget_frame(seen.page, 3)
    seen.page.wait_for_function(
        "!document.querySelector('iframe').getAttribute('style')", timeout=10_000)
    content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert abs(int(seen.page.locator("iframe").get_attribute("height") or 0) - content) <= 2


def test_a_sandbox_no_host_answers_shows_the_address_to_copy(visit: Any,
                                                             servers: Servers) -> None:
    """Sandboxed by a host that does not speak WordPress's protocol: no link that would do
    nothing, the address as text to select."""
    seen = visit(f"{servers.host}/iframe?sandbox=1&src=/widget/groups/jumpy%3Fsubscribe%3D1")
    frame = _widget_frame(seen.page)
    address = frame.locator("#subscribe .address")
    expect(address).to_have_text(re.compile(r"^http://.*/widget/groups/jumpy\?.*subscribe=1"))
    assert frame.locator("#subscribe a").count() == 0
    assert address.evaluate("a => getComputedStyle(a).userSelect") == "all"


def test_a_snippet_pasted_before_still_fills_its_slot(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/earlier")
    frame = _widget_frame(seen.page, 5)
    seen.page.wait_for_function("!document.querySelector('[data-gupshup-slot]')")
    content = frame.evaluate("document.body.getBoundingClientRect().height")
    box = seen.page.locator("iframe").evaluate("f => f.getBoundingClientRect().height")
    assert abs(box - content) <= 2


def test_a_widget_that_never_answers_gives_way_to_a_link(visit: Any, servers: Servers) -> None:
    """The loader was served but the widget never speaks (its server failing): ten seconds
    after coming into view, both the script snippet and the plain iframe show the link."""
    seen = visit(f"{servers.host}/silent")
    links = seen.page.get_by_role("link", name="GupShup group jumpy")
    expect(links).to_have_count(2, timeout=15_000)
    for i in range(2):
        expect(links.nth(i)).to_be_visible()
    assert seen.page.locator("iframe:visible").count() == 0
    seen.page.screenshot(path=str(ARTIFACTS / "silent-widgets.png"), full_page=True)


def test_the_plain_iframe_follows_the_widget_and_shrinks_after_done(
        visit: Any, servers: Servers, app_state: Any) -> None:
    """The iframe snippet's listener: the frame fits the widget at each step of the form,
    and after "Done" shrinks with it."""
    seen = visit(f"{servers.host}/snippet?kind=iframe&group=jumpy&subscribe=true&count=2")
    frame = _widget_frame(seen.page, 2)
    iframe = seen.page.locator("iframe")

    def tall() -> float:
        return float(iframe.evaluate("f => f.getBoundingClientRect().height"))

    def fits() -> None:
        for _ in range(40):
            content = frame.evaluate("document.body.getBoundingClientRect().height")
            if abs(tall() - content) <= 2:
                return
            seen.page.wait_for_timeout(100)
        raise AssertionError(f"frame {tall()} px for {content} px")

    fits()
    phone = "9819535791"
    frame.fill("#sub-phone", phone)
    frame.click("#subscribe form[data-step=start] button")
    expect(frame.locator("#sub-code")).to_be_visible()
    fits()
    before = tall()
    frame.fill("#sub-code", _code(app_state, phone))
    frame.click("#subscribe form[data-step=confirm] button")
    expect(frame.locator("#sub-status")).to_contain_text("Done!")
    fits()
    assert tall() < before


AXE_COLORS = [c for _, c in PRESETS] + ["#fff3bf", "#0b1d51"]  # and a pale, a dark accent


@pytest.mark.parametrize("color", AXE_COLORS)
def test_no_accessibility_violations_in_any_colour(visit: Any, servers: Servers,
                                                   color: str) -> None:
    seen = visit(servers.widgets + "/")
    page = seen.page
    quoted = color.replace("#", "%23")
    for theme in ("light", "dark"):
        page.goto(f"{servers.widgets}/widget/groups/jumpy?subscribe=1&theme={theme}"
                  f"&color={quoted}")
        assert axe_violations(page) == [], (color, theme)
        page.goto(f"{servers.widgets}/widget/groups/nosuchgroup?theme={theme}&color={quoted}")
        assert axe_violations(page) == [], (color, theme, "error")
    page.goto(f"{servers.widgets}/widget/public?color={quoted}")
    assert axe_violations(page) == [], (color, "public")
    page.goto(f"{servers.widgets}/?group=jumpy&color={quoted}")
    assert axe_violations(page) == [], (color, "/")


def _rgb(css: str) -> str:
    r, g, b = (int(float(n)) for n in re.findall(r"[\d.]+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize(("color", "theme"), [("#fff3bf", "light"), ("#0b1d51", "dark"),
                                              ("#c2410c", "light"), ("#c2410c", "dark")])
def test_computed_borders_and_focus_rings_reach_three_to_one(visit: Any, servers: Servers,
                                                             color: str, theme: str) -> None:
    from widget_server.palette import contrast

    seen = visit(f"{servers.widgets}/widget/groups/jumpy?subscribe=1&theme={theme}"
                 f"&color={color.replace('#', '%23')}")
    page = seen.page
    style = "([s, p]) => getComputedStyle(document.querySelector(s))[p]"
    field = _rgb(page.evaluate(style, ["#sub-phone", "borderTopColor"]))
    panel = _rgb(page.evaluate(style, ["#subscribe", "backgroundColor"]))
    card = _rgb(page.evaluate(style, [".gs", "borderTopColor"]))
    page_bg = _rgb(page.evaluate(style, [".gs", "backgroundColor"]))  # the card's page
    header = _rgb(page.evaluate(style, [".head", "backgroundColor"]))
    assert contrast(field, panel) >= 3 and contrast(card, page_bg) >= 3
    assert contrast(header, page_bg) >= 3
    page.focus("#sub-phone")
    ring = _rgb(page.evaluate(style, ["#sub-phone", "outlineColor"]))
    assert contrast(ring, panel) >= 3
    page.screenshot(path=str(ARTIFACTS / f"contrast-{color[1:]}-{theme}.png"), full_page=True)


def test_the_feed_is_one_tab_stop_with_arrow_keys(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.widgets}/widget/groups/jumpy?subscribe=1&count=5")
    page = seen.page
    tabs = 0
    while page.evaluate("document.activeElement && document.activeElement.id") != "sub-phone":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs <= 4, "the phone field is more than four Tabs away"
    page.focus(".feed")
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.getAttribute('data-id')")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.getAttribute('data-id')")
    assert first and second and first != second


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("subscribe", [False, True])
def test_the_snippet_keeps_the_room_and_the_page_hardly_moves(
        visit: Any, servers: Servers, width: int, subscribe: bool) -> None:
    seen = visit(f"{servers.host}/snippet?group=jumpy&subscribe={str(subscribe).lower()}",
                 viewport={"width": width, "height": 900})
    frame = _widget_frame(seen.page, 5)
    seen.page.wait_for_timeout(1500)  # the widget has reported its height by now
    cls = seen.page.evaluate("window.__cls")
    height = int(float(seen.page.evaluate(
        "getComputedStyle(document.querySelector('iframe')).height")[:-2]))
    content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert abs(height - content) <= 2  # neither clipped nor padded
    assert cls < 0.02, cls
    seen.page.screenshot(path=str(ARTIFACTS / f"snippet-{width}-{subscribe}.png"),
                         full_page=True)


@pytest.mark.parametrize("width", [375, 1280])
def test_readers_without_javascript_get_the_whole_widget(visit: Any, servers: Servers,
                                                         width: int) -> None:
    seen = visit(f"{servers.host}/snippet?group=jumpy&subscribe=true",
                 viewport={"width": width, "height": 900}, java_script_enabled=False)
    frame = _widget_frame(seen.page, 5)
    height = int(seen.page.locator("iframe").get_attribute("height") or 0)
    content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert content <= height  # nothing cut off: the fallback is tall enough for a phone
    expect(frame.locator("#sub-phone")).to_be_visible()
    seen.page.screenshot(path=str(ARTIFACTS / f"snippet-nojs-{width}.png"), full_page=True)


def test_a_short_code_gets_the_widgets_own_words(visit: Any, servers: Servers) -> None:
    seen = visit(f"{servers.host}/script?group=mumbaifood&subscribe=true&lang=hi&count=2")
    frame = _widget_frame(seen.page, 2)
    frame.fill("#sub-phone", "9819535733")
    frame.click("#subscribe button[type=submit]")
    expect(frame.locator("#sub-code")).to_be_visible()
    frame.fill("#sub-code", "AB")
    frame.click("#subscribe form[data-step=confirm] button")
    expect(frame.locator("#sub-status")).to_contain_text("कोड 4 अक्षरों")  # not the browser's
    expect(frame.locator("#sub-code")).to_be_focused()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_widget_on_a_foreign_blog(visit: Any, servers: Servers, width: int,
                                      theme: str) -> None:
    seen = visit(f"{servers.host}/snippet?group=cricketbuzz&theme={theme}&subscribe=true",
                 viewport={"width": width, "height": 900}, color_scheme=theme)
    frame = _widget_frame(seen.page, 1)
    assert frame.evaluate("document.documentElement.dataset.theme") == theme
    height = int(float(seen.page.evaluate(
        "getComputedStyle(document.querySelector('iframe')).height")[:-2]))
    assert abs(height - frame.evaluate(
        "Math.ceil(document.body.getBoundingClientRect().height)")) <= 2
    seen.page.screenshot(path=str(ARTIFACTS / f"blog-{width}-{theme}.png"), full_page=True)
    _only_our_origins(seen, servers)


def test_the_poll_shows_the_notice_only_while_gupshup_fails(visit: Any,
                                                            servers: Servers) -> None:
    seen = visit(f"{servers.widgets}/widget/groups/jumpy?count=2")
    page = seen.page
    expect(page.locator(".note")).to_have_count(0)  # due for a refresh or not: no notice
    answer = httpx.get(f"{servers.widgets}/api/groups/jumpy/messages?range=2").json()

    def failing(value: bool) -> None:
        page.unroute("**/api/groups/jumpy/messages*")
        page.route("**/api/groups/jumpy/messages*", lambda route: route.fulfill(
            json={**answer, "failing": value}))
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # a poll

    failing(True)
    expect(page.locator(".note")).to_contain_text("isn't answering")
    failing(False)
    expect(page.locator(".note")).to_have_count(0)  # cleared when GupShup answers
