"""Every URL in embed-snippets/ points at a route of the widget server that answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness import widget_env

pytestmark = pytest.mark.anyio
BASE = "https://widgets.example.com"
SNIPPETS = Path(__file__).resolve().parent.parent / "embed-snippets"
TEMPLATE_VAR = re.compile(r"\{\{[^}]*\}\}")


def _urls() -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for p in SNIPPETS.rglob("*") if p.is_file()):
        text = TEMPLATE_VAR.sub("jumpy", path.read_text())
        for url in re.findall(re.escape(BASE) + r"[^\s\"'<>)`]*", text):
            name = path.relative_to(SNIPPETS).as_posix()
            found.append((name, url.replace("&amp;", "&").rstrip("*")))
    return found


def test_every_snippet_file_names_the_server() -> None:
    files = {name for name, _ in _urls()}
    assert {"html-script.html", "html-iframe.html", "public-stream.html", "wordpress.md",
            "blogger.md", "hugo.md", "jekyll.md"} <= files


@pytest.mark.parametrize(("name", "url"), _urls())
async def test_snippet_url_answers(tmp_path: Path, name: str, url: str) -> None:
    path = url[len(BASE):] or "/"
    if path == "/widget/":  # the oEmbed provider pattern of wordpress.md
        path = "/widget/public"
    async with widget_env(tmp_path) as env:
        if path == "/oembed":
            response = await env.client.get(path, params={
                "url": "http://widgets/widget/groups/jumpy"})
        else:
            response = await env.client.get(path)
        assert response.status_code == 200, (name, url)


@pytest.mark.parametrize(("name", "kind"), [("html-script.html", "script"),
                                            ("html-iframe.html", "iframe")])
def test_snippet_files_are_what_the_customization_page_gives(name: str, kind: str) -> None:
    """The files are copies for reading: the one shape is `widget_server.embeds`."""
    from widget_server.embeds import snippets
    from widget_server.options import Options

    given = snippets(BASE, "jumpy", Options.parse({"color": "#c2410c"}))[kind]
    assert (SNIPPETS / name).read_text().splitlines()[1:] == given.splitlines()
