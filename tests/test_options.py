"""Widget options are declared once (`widget_server.options.OPTIONS`); everything that
names them is made from that declaration, and these tests fail on any copy that drifts."""

from __future__ import annotations

import re
from dataclasses import fields
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.harness import widget_env
from widget_server.embeds import snippets
from widget_server.options import OPTIONS, Options
from widget_server.views.openapi import DOCUMENT

ROOT = Path(__file__).resolve().parent.parent
# A value other than the default for each option, as its text says it.
OTHER = {"color": "#1971c2", "theme": "dark", "count": "9", "subscribe": "true", "lang": "hi"}


def test_every_option_is_a_field_with_its_default() -> None:
    assert [(f.name, f.default) for f in fields(Options)] == \
        [(o.name, o.default) for o in OPTIONS]
    assert set(OTHER) == {o.name for o in OPTIONS}


def test_parsing_reads_every_option_and_the_query_says_it_back() -> None:
    options = Options.parse(OTHER)
    assert options.changed() == OTHER
    query = options.query().replace("%23", "#")
    assert Options.parse(dict(re.findall(r"(\w+)=([^&]*)", query))) == options
    assert Options.parse({}).changed() == {}


@pytest.mark.parametrize("kind", ["script", "iframe", "url", "hugo", "jekyll"])
def test_every_snippet_carries_every_option(kind: str) -> None:
    snippet = unescape(snippets("https://w.example", "jumpy", Options.parse(OTHER))[kind])
    snippet = snippet.replace("%23", "#")
    for name, value in OTHER.items():
        assert re.search(rf'\b{name}="?{re.escape(value)}\b', snippet), (kind, name)


def test_the_loader_is_told_its_first_height_by_the_snippet() -> None:
    options = Options.parse(OTHER)
    script = snippets("", "jumpy", options)["script"]
    assert f'data-heights="{options.height(True)} {options.height(False)}"' in script
    loader = (ROOT / "static" / "embed.js").read_text()
    own = re.search(r"var own = \{([^}]*)\}", loader)
    assert own is not None
    assert not {o.name for o in OPTIONS} & set(re.findall(r"(\w+):", own.group(1)))
    assert "150 +" not in loader  # no copy of Options.height()


@pytest.mark.parametrize("path", ["/widget/groups/{group}", "/widget/public"])
def test_the_openapi_description_lists_every_option(path: str) -> None:
    parameters: list[dict[str, Any]] = DOCUMENT["paths"][path]["get"]["parameters"]
    named = {p["name"]: p for p in parameters}
    for option in OPTIONS:
        assert named[option.name]["schema"] == option.schema
    if path == "/widget/public":
        assert "skipAdult" in named


@pytest.mark.anyio
async def test_the_customization_form_asks_for_every_option(tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        page = (await env.client.get("/?" + Options.parse(OTHER).query())).text
    for option in OPTIONS:
        assert f'name="{option.name}"' in page
    assert 'value="hi" selected' in page and 'value="dark" selected' in page
    assert 'name="count" type="number" min="1" max="15" value="9"' in page


def test_the_documentation_lists_every_option() -> None:
    docs = (ROOT / "docs" / "blog-owners.md").read_text()
    for option in OPTIONS:
        assert f"| `{option.name}` |" in docs, option.name
