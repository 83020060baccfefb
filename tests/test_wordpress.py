"""The widget on a real WordPress 6.1 from Debian's packages (Apache, MariaDB), in Debian's
Chromium at 1280 and 375 px, with twentytwentythree and twentytwentyone: every way a blog
owner embeds it fits its content and the text column, for the roles that may use it; a
reader subscribes from the sandboxed embed; with the server stopped each way shows a link.
Screenshots go to tests/artifacts/wordpress/."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Frame, Page

from tests.browser import ARTIFACTS, chromium
from tests.live import Running, running_server, server_env
from tests.wordpress import WordPress, wordpress

# WordPress fetches embeds only from ports 80, 443 and 8080 (wp_http_validate_url).
WIDGETS = "http://localhost:8080"
FRAME = 'iframe[src^="http://localhost:8080/widget/"]'
SHOTS = ARTIFACTS / "wordpress"
WIDTHS = (1280, 375)
BEFORE = '<p class="before">Before the widget.</p>'
AFTER = '<p class="after">After the widget.</p>'


@dataclass
class Site:
    blog: WordPress
    browser: Browser
    server: Running
    data: Path

    def snippets(self, **options: str) -> dict[str, str]:
        answer = httpx.get(WIDGETS + "/", params={"group": "jumpy", **options},
                           headers={"Accept": "application/json"})
        return dict(answer.json()["snippets"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("widgets")
    env = server_env(data, WIDGET_PUBLIC_URL=WIDGETS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with running_server(["serve"], env, port=8080) as server, \
            wordpress("localhost") as blog, chromium() as browser:
        blog.cli("option", "gupshup_widgets_url", WIDGETS)
        yield Site(blog, browser, server, data)


def _block(name: str, inner: str, attrs: dict[str, Any] | None = None) -> str:
    json_attrs = f" {json.dumps(attrs)}" if attrs else ""
    return f"<!-- wp:{name}{json_attrs} -->\n{inner}\n<!-- /wp:{name} -->"


def _embed_block(url: str) -> str:
    """As the block editor saves an Embed block with our URL."""
    return _block("embed", '<figure class="wp-block-embed is-type-wp-embed '
                  'is-provider-gupshup-widgets wp-block-embed-gupshup-widgets"><div '
                  f'class="wp-block-embed__wrapper">\n{url}\n</div></figure>',
                  {"url": url, "type": "wp-embed", "providerNameSlug": "gupshup-widgets"})


def _blocks(middle: str) -> str:
    return "\n\n".join([_block("paragraph", BEFORE), middle, _block("paragraph", AFTER)])


def _classic(middle: str) -> str:
    """Content of the classic editor (no blocks): `wpautop` makes its paragraphs."""
    return f"{BEFORE}\n\n{middle}\n\n{AFTER}"


def ways(site: Site, **options: str) -> dict[str, str]:
    """Each way an Administrator embeds the widget, as post content."""
    given = site.snippets(**options)
    return {
        "embed-block": _blocks(_embed_block(given["url"])),
        "url-classic": _classic(given["url"]),
        "script-block": _blocks(_block("html", given["script"])),
        "script-classic": _classic(given["script"]),
        "iframe-block": _blocks(_block("html", given["iframe"])),
    }


@dataclass
class Fit:
    frame: float
    content: float
    width: float
    column: tuple[float, float]
    left: float
    right: float
    overflow: float
    shown: bool

    def ok(self) -> bool:
        inside = self.column[0] - 1 <= self.left and self.right <= self.column[1] + 1
        return (self.shown and abs(self.frame - self.content) <= 24 and inside
                and self.overflow <= 0)


MEASURE = """(sel) => {
  const f = document.querySelector(sel), col = document.querySelector('.before');
  if (!f || !col) return null;
  const r = f.getBoundingClientRect(), c = col.getBoundingClientRect();
  return {frame: r.height, width: r.width, left: r.left, right: r.right,
          column: [c.left, c.right],
          overflow: document.documentElement.scrollWidth - innerWidth,
          shown: r.width > 100 && getComputedStyle(f).display !== 'none' &&
                 !(f.getAttribute('style') || '').includes('clip')};
}"""


def _widget_frame(page: Page) -> Frame | None:
    return next((f for f in page.frames if f.url.startswith(WIDGETS + "/widget/")), None)


def fit(page: Page, timeout: float = 15) -> Fit:
    """The frame against its content and the column, once they agree (or the last seen)."""
    page.locator(".before").scroll_into_view_if_needed()
    seen: Fit | None = None
    for _ in range(int(timeout * 4)):
        frame, box = _widget_frame(page), page.evaluate(MEASURE, FRAME)
        if frame is not None and box is not None:
            with contextlib.suppress(Exception):  # a frame still navigating
                content = frame.evaluate("document.body.getBoundingClientRect().height")
                seen = Fit(content=content, **box)
                if seen.ok():
                    return seen
        page.wait_for_timeout(250)
    assert seen is not None, "no widget frame on the page"
    return seen


def shot(page: Page, name: str) -> None:
    """The post from its title to the paragraph after the widget, as a reader sees it."""
    box = page.evaluate("""() => {
      const a = document.querySelector('h1, .entry-title, .wp-block-post-title'),
            b = document.querySelector('.after');
      const top = Math.max(0, (a || document.body).getBoundingClientRect().top + scrollY - 20);
      return {x: 0, y: top, width: innerWidth,
              height: b.getBoundingClientRect().bottom + scrollY + 40 - top};
    }""")
    page.screenshot(path=str(SHOTS / f"{name}.png"), clip=box, full_page=True)


def _gap(page: Page) -> float:
    """The room between the paragraphs before and after the widget."""
    return float(page.evaluate("""() =>
      document.querySelector('.after').getBoundingClientRect().top -
      document.querySelector('.before').getBoundingClientRect().bottom"""))


def visit(site: Site, url: str, width: int) -> Page:
    page = site.browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    return page


@pytest.mark.parametrize("theme", ["twentytwentythree", "twentytwentyone"])
@pytest.mark.parametrize("count", ["5", "15"])
def test_every_way_fits_its_content_and_the_column(site: Site, theme: str,
                                                   count: str) -> None:
    """The pasted URL (sandboxed: no plugin), the script snippet in a Custom HTML block and
    in classic content, and the plain iframe: the frame within 24 px of the widget, inside
    the text column, no sideways scroll, at 1280 and 375 px."""
    site.blog.cli("plugin", "off")
    site.blog.theme(theme)
    posts = {way: site.blog.post("owner", way, content)
             for way, content in ways(site, color="#9c36b5", count=count).items()}
    wrong, seen = {}, {}
    for way, url in posts.items():
        for width in WIDTHS:
            page = visit(site, url, width)
            measured = seen[f"{way} at {width}"] = fit(page)
            shot(page, f"{theme}-{way}-{count}-{width}")
            if not measured.ok():
                wrong[f"{way} at {width}"] = measured
            page.close()
    (SHOTS / f"fit-{theme}-{count}.json").write_text(json.dumps(
        {k: {"frame": v.frame, "content": v.content, "width": v.width,
             "column": v.column[1] - v.column[0]} for k, v in seen.items()}, indent=1))
    assert not wrong, wrong


def test_an_author_gets_the_widget_through_the_plugin_and_never_a_gap(site: Site) -> None:
    """Authors may not post scripts or frames: what they paste degrades to a link to the
    group with no room kept; the plugin's shortcode, its block and a pasted URL (a trusted
    provider now: the form works in it) show the widget."""
    site.blog.cli("plugin", "on")
    site.blog.theme("twentytwentythree")
    given = site.snippets(color="#9c36b5", subscribe="1")
    stripped = {"script": _blocks(_block("html", given["script"])),
                "iframe": _blocks(_block("html", given["iframe"]))}
    for kind, content in stripped.items():
        page = visit(site, site.blog.post("asha", f"author-{kind}", content), 1280)
        gap = _gap(page)
        shot(page, f"author-{kind}-stripped")
        assert gap < 120, (kind, gap)  # a line with a link at most, never the widget's room
        assert page.locator(FRAME).count() == 0
        said = page.locator(".before").evaluate("p => p.parentElement.innerText")
        assert set(said.split("\n")) <= {"Before the widget.", "GupShup group jumpy",
                                         "After the widget.", ""}, said  # no code as text
        assert page.get_by_role("link", name="GupShup group jumpy").is_visible(), kind
        page.close()
    plugin = {"shortcode": _blocks("[gupshup group=jumpy color=#9c36b5 subscribe=1]"),
              "block": _blocks('<!-- wp:gupshup/widget {"group":"jumpy","color":"#9c36b5",'
                               '"subscribe":"1"} /-->'),
              "url": _blocks(_embed_block(given["url"]))}
    for kind, content in plugin.items():
        url = site.blog.post("asha", f"plugin-{kind}", content)
        for width in WIDTHS:
            page = visit(site, url, width)
            measured = fit(page)
            shot(page, f"author-plugin-{kind}-{width}")
            assert measured.ok(), (kind, width, measured)
            form = _widget_frame(page)
            assert form is not None and form.locator("#sub-phone").count() == 1, kind
            page.close()


def _code(site: Site, phone: str) -> str:
    listed = subprocess.run([sys.executable, "-m", "widget_server", "outbox", "--phone", phone,
                             "--data-dir", str(site.data)], capture_output=True, text=True,
                            check=True).stdout
    found = re.findall(r" is ([A-Z0-9]{4})\.", listed)
    assert found, listed
    return str(found[0])


def test_subscribe_from_the_sandboxed_embed_leads_to_a_page_that_works(site: Site) -> None:
    """WordPress sandboxes an untrusted embed (no forms, no new windows): "Subscribe by SMS"
    asks wp-embed.js to open our page in the top window; there the reader subscribes and
    finds the way back to the post."""
    site.blog.cli("plugin", "off")
    site.blog.theme("twentytwentythree")
    given = site.snippets(color="#9c36b5", subscribe="1")
    post = site.blog.post("owner", "subscribe", _blocks(_embed_block(given["url"])))
    for width in WIDTHS:
        page = visit(site, post, width)
        assert fit(page).ok()
        frame = _widget_frame(page)
        assert frame is not None
        frame.get_by_role("link", name="Subscribe by SMS").click()
        page.wait_for_url(WIDGETS + "/widget/groups/jumpy?*")
        assert page.evaluate("document.documentElement.classList.contains('alone')")
        phone = f"98195357{40 + WIDTHS.index(width)}"
        page.get_by_label("Your mobile number").fill(phone)
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("The 4-character code from the SMS").fill(_code(site, phone))
        shot_page(page, f"subscribe-alone-{width}")
        page.get_by_role("button", name="Subscribe", exact=True).click()
        page.locator("#sub-status").get_by_text("Done!").wait_for()
        back = page.get_by_role("link", name="Back")
        assert back.is_visible()
        back.click()
        page.wait_for_url(post)
        page.close()


def shot_page(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


WIDGET_BACKGROUND = "getComputedStyle(document.querySelector('.gs')).backgroundColor"


def _dark(rgb: str) -> bool:
    red, green, blue = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 128


def _widget_is(page: Page, dark: bool) -> str:
    seen = ""
    for _ in range(40):
        frame = _widget_frame(page)
        with contextlib.suppress(Exception):
            seen = frame.evaluate(WIDGET_BACKGROUND) if frame else ""
            if seen and _dark(seen) == dark:
                return seen
        page.wait_for_timeout(250)
    raise AssertionError(f"the widget's background is {seen!r}, not {'dark' if dark else 'light'}")


def test_theme_auto_follows_the_blog_not_the_readers_system(site: Site) -> None:
    """A reader whose system is dark: on twentytwentythree's white page the widget is
    light; on twentytwentyone with its dark mode it is dark, and turns light (and back)
    with the theme's own toggle."""
    site.blog.cli("plugin", "off")
    given = site.snippets(color="#9c36b5")
    content = _blocks(_block("html", given["script"]))
    site.blog.theme("twentytwentythree")
    page = site.browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page.goto(site.blog.post("owner", "auto-tt3", content))
    page.locator(".before").scroll_into_view_if_needed()
    _widget_is(page, dark=False)
    shot(page, "theme-auto-tt3-dark-system")
    site.blog.theme("twentytwentyone")
    site.blog.cli("mod", "respect_user_color_preference", "1")
    page.goto(site.blog.post("owner", "auto-tt21", content))
    page.locator(".before").scroll_into_view_if_needed()
    _widget_is(page, dark=True)
    shot(page, "theme-auto-tt21-dark")
    page.locator("#dark-mode-toggler").click()
    _widget_is(page, dark=False)
    shot(page, "theme-auto-tt21-toggled-light")
    page.locator("#dark-mode-toggler").click()
    _widget_is(page, dark=True)
    site.blog.cli("mod", "respect_user_color_preference", "0")
    page.close()


# Last: it stops the module's widget server.
def test_with_the_server_stopped_every_way_shows_a_link(site: Site) -> None:
    """Posts embedded while the server was up, then the server stopped: the oEmbed keeps
    WordPress's blockquote link, the loader and the listener give way to their link."""
    site.blog.cli("plugin", "off")
    site.blog.theme("twentytwentythree")
    posts = {way: site.blog.post("owner", way, content)
             for way, content in ways(site, color="#9c36b5").items()}
    for url in posts.values():  # WordPress keeps each oEmbed in the post, as it does
        page = visit(site, url, 1280)
        assert fit(page).ok()
        page.close()
    site.server.proc.terminate()
    site.server.proc.wait(15)
    for way, url in posts.items():
        page = visit(site, url, 375)
        link = page.locator(f'a[href^="{WIDGETS}/widget/groups/jumpy"]').first
        link.wait_for(state="visible", timeout=15000)
        gap = _gap(page)
        shot(page, f"down-{way}")
        assert gap < 160, (way, gap)
        page.close()
