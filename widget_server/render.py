"""Jinja2 rendering, done once per (data version, options) and kept.

A kept page is sent byte for byte as rendered, so its ETag is strong and a cached request
costs a dictionary lookup. That is why the CSP allows the page's inline `<style>` by its
hash (computed once, here) rather than by a per-response nonce; pages have no inline
scripts at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from widget_server.assets import StaticAssets, resource_dir
from widget_server.bodies import Body, BodyCache
from widget_server.i18n import type_css

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def xml_text(value: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all."""
    return _NOT_XML.sub("", str(value))


class Rendered(Body):
    __slots__ = ("headers", "style_hashes")

    def __init__(self, body: str) -> None:
        super().__init__(body.encode())
        self.style_hashes = tuple(
            "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
            for css in _STYLE.findall(body))
        # Response headers, built on first use per variant and kept with the page.
        self.headers: dict[Hashable, dict[str, str]] = {}


class Renderer:
    def __init__(self, assets: StaticAssets, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.env = Environment(loader=FileSystemLoader(resource_dir("templates")),
                               autoescape=select_autoescape(["html", "xml", "atom"]),
                               trim_blocks=True, lstrip_blocks=True,
                               extensions=["jinja2.ext.i18n"])
        # `_`, `gettext` and `ngettext` (and {% trans %}) come with each page's language in
        # its context (i18n.Words); alone, a template speaks the English source.
        self.env.install_null_translations()  # type: ignore[attr-defined]
        self.env.globals["static"] = assets.url
        self.env.globals["type_css"] = type_css
        self.env.filters["xmltext"] = xml_text
        self._cache: BodyCache[Rendered] = BodyCache(max_bytes)

    def render(self, key: Hashable | None, template: str,
               context: Callable[[], dict[str, Any]]) -> Rendered:
        """The page for `key`, rendered from `context()` only the first time; a `key` of
        None renders a page nobody else will see, and keeps nothing."""
        def build() -> Rendered:
            return Rendered(self.env.get_template(template).render(context()))

        return build() if key is None else self._cache.get(key, build)
