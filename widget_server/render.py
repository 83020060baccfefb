"""Jinja2 rendering, done once per (data version, options) and kept.

A page is stored with a placeholder where the CSP nonce goes; each response swaps in a
fresh nonce. The placeholder holds `<`, which autoescaping turns into `&lt;` everywhere
else, so no message text can ever match it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from hashlib import blake2b
from typing import Any

from cachetools import LRUCache
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from widget_server.assets import StaticAssets, resource_dir

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
NONCE_SLOT = "<%nonce%>"


def xml_text(value: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all."""
    return _NOT_XML.sub("", str(value))


class Rendered:
    __slots__ = ("body", "etag")

    def __init__(self, body: str) -> None:
        self.body = body.encode()
        # Weak: the bytes differ by their nonce, the representation does not.
        self.etag = 'W/"' + blake2b(self.body, digest_size=12).hexdigest() + '"'

    def with_nonce(self) -> tuple[bytes, str]:
        nonce = secrets.token_urlsafe(16)
        return self.body.replace(NONCE_SLOT.encode(), nonce.encode()), nonce


class Renderer:
    def __init__(self, assets: StaticAssets, maxsize: int = 4096) -> None:
        self.env = Environment(loader=FileSystemLoader(resource_dir("templates")),
                               autoescape=select_autoescape(["html", "xml", "atom"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals["static"] = assets.url
        self.env.globals["nonce"] = Markup(NONCE_SLOT)
        self.env.filters["xmltext"] = xml_text
        self._cache: LRUCache[Hashable, Rendered] = LRUCache(maxsize)

    def render(self, key: Hashable | None, template: str,
               context: Callable[[], dict[str, Any]]) -> Rendered:
        """The page for `key`, rendered from `context()` only the first time; a `key` of
        None renders a page nobody else will see, and keeps nothing."""
        page = self._cache.get(key) if key is not None else None
        if page is None:
            page = Rendered(self.env.get_template(template).render(context()))
            if key is not None:
                self._cache[key] = page
        return page
