"""The group owner's console in real Chromium: the whole flow with JavaScript (live
counter, posting and replying without a reload) and without it, screenshots in
tests/artifacts, axe-core on every page, nothing fetched from anywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import ARTIFACTS, Server, axe_violations, chromium
from widget_server.gupshup.demo import DEMO_PASSWORD, DEMO_PHONE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(roomy: Server) -> Server:
    return roomy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _open(browser: Browser, server: Server, *, js: bool, width: int = 1280,
          dark: bool = False) -> tuple[Page, list[str]]:
    context = browser.new_context(java_script_enabled=js,
                                  viewport={"width": width, "height": 900},
                                  color_scheme="dark" if dark else "light")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    return page, requests


def _log_in(page: Page, server: Server) -> None:
    page.goto(server.base + "/console")
    page.get_by_label("Mobile number").fill("98211 07770")
    page.get_by_label("GupShup password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your groups")).to_be_visible()


def _shot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_whole_flow_with_javascript(browser: Browser, server: Server) -> None:
    page, requests = _open(browser, server, js=True)
    page.goto(server.base + "/console")
    assert axe_violations(page) == []
    _shot(page, "login")
    _log_in(page, server)
    assert axe_violations(page) == []
    _shot(page, "home")
    page.get_by_role("link", name="Jumpy").first.click()
    expect(page.get_by_role("heading", name="Jumpy")).to_be_visible()
    page.evaluate("window.__stayed = true")  # gone if the page reloads

    compose = page.get_by_label("Post a message")
    compose.fill("x" * 165)
    expect(page.locator("#text-count")).to_have_text("165 characters: 5 too many")
    expect(page.locator("#text-count")).to_have_class("count over")
    compose.fill("Chai at 5, jokes at 6. See you!")
    expect(page.locator("#text-count")).to_have_text("31 of 160 characters")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".said")).to_contain_text("Posted.")
    expect(page.locator(".thread").first).to_contain_text("Chai at 5, jokes at 6.")
    assert page.evaluate("window.__stayed") is True
    assert page.url.endswith("/console/groups/jumpy?done=posted")
    expect(page.locator(".said")).to_be_focused()

    third = page.locator(".thread").nth(2)
    third.locator("summary").click()
    third.get_by_label("Reply").fill("@cricketbuzz the best one yet")
    third.get_by_role("button", name="Reply").click()
    expect(page.locator(".said")).to_have_text("Your reply went to @cricketbuzz.")
    expect(page.locator(".thread").nth(2)).to_contain_text("@cricketbuzz the best one yet")
    assert page.evaluate("window.__stayed") is True

    page.get_by_label("Mobile number").fill("98195 35746\n12345")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".outcomes")).to_contain_text("9819535746: invited")
    expect(page.locator(".outcomes")).to_contain_text("12345: not an Indian mobile number")
    assert page.evaluate("window.__stayed") is True
    expect(page.get_by_label("Mobile number")).to_have_value("12345")  # to correct
    assert axe_violations(page) == []
    _shot(page, "group")
    page.set_viewport_size({"width": 375, "height": 800})
    _shot(page, "group-phone")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("GupShup password")).to_be_visible()
    expect(page.locator(".said")).to_have_text("You're logged out.")
    assert all(url.startswith((server.base, "data:")) for url in requests)


def test_the_whole_flow_without_javascript(browser: Browser, server: Server) -> None:
    page, requests = _open(browser, server, js=False, width=390)
    _log_in(page, server)
    page.get_by_role("link", name="Mumbai Food").click()
    page.get_by_label("Post a message").fill("Vada pav, no JavaScript needed.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".said")).to_contain_text("Posted.")
    expect(page.locator(".thread").first).to_contain_text("Vada pav, no JavaScript needed.")
    assert "?done=posted" in page.url  # a reload re-posts nothing

    page.get_by_label("Post a message").fill("Vada pav, no JavaScript needed.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".said")).to_have_text(
        "That's the same as your last post. GupShup doesn't send a message twice.")
    expect(page.get_by_label("Post a message")).to_have_value(
        "Vada pav, no JavaScript needed.")  # what was typed is kept

    first = page.locator(".thread").first
    first.locator("summary").click()
    first.get_by_label("Reply").fill("thanks, everyone")
    first.get_by_role("button", name="Reply").click()
    expect(page.locator(".thread").first).to_contain_text("@mumbaifood thanks, everyone")

    page.get_by_label("Mobile number").fill("+91 98195 35748")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".outcomes")).to_contain_text("9819535748: invited")
    _shot(page, "group-nojs")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("GupShup password")).to_be_visible()
    assert all(url.startswith(server.base) for url in requests)


def test_in_hindi_and_in_the_dark(browser: Browser, server: Server) -> None:
    page, _ = _open(browser, server, js=True, dark=True)
    page.goto(server.base + "/console?lang=hi")
    page.get_by_label("मोबाइल नंबर").fill(DEMO_PHONE)
    page.get_by_label("GupShup पासवर्ड").fill("wrong")
    page.get_by_role("button", name="लॉग इन करें").click()
    expect(page.locator(".said")).to_contain_text("मेल नहीं खाते")
    assert axe_violations(page) == []
    _shot(page, "login-hi-dark")
    page.get_by_label("GupShup पासवर्ड").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="लॉग इन करें").click()
    page.get_by_role("link", name="Jumpy").first.click()
    expect(page.get_by_role("heading", name="संदेश पोस्ट करें")).to_have_count(0)
    expect(page.get_by_label("संदेश पोस्ट करें")).to_be_visible()
    assert axe_violations(page) == []
    _shot(page, "group-hi-dark")
