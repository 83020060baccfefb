"""Widget options, the same as query parameters and `data-*` attributes; bad values fall
back to defaults, never to an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from widget_server.i18n import lang_of
from widget_server.palette import DEFAULT_COLOR, parse_color

THEMES = ("light", "dark", "auto")
DEFAULT_COUNT = 5
TRUE = ("1", "true", "yes", "on")


def _count(raw: str | None) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return DEFAULT_COUNT
    return value if 1 <= value <= 15 else DEFAULT_COUNT


@dataclass(frozen=True)
class Options:
    color: str = DEFAULT_COLOR
    theme: str = "auto"
    count: int = DEFAULT_COUNT
    subscribe: bool = False
    lang: str = "en"

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Options:
        theme = params.get("theme", "auto")
        return cls(color=parse_color(params.get("color")),
                   theme=theme if theme in THEMES else "auto",
                   count=_count(params.get("count")),
                   subscribe=params.get("subscribe", "").lower() in TRUE,
                   lang=lang_of(params.get("lang")))

    def query(self, **extra: object) -> str:
        """The canonical query string: only what differs from the defaults."""
        pairs: dict[str, object] = {}
        if self.color != DEFAULT_COLOR:
            pairs["color"] = self.color
        if self.theme != "auto":
            pairs["theme"] = self.theme
        if self.count != DEFAULT_COUNT:
            pairs["count"] = self.count
        if self.subscribe:
            pairs["subscribe"] = 1
        if self.lang != "en":
            pairs["lang"] = self.lang
        pairs.update({k: v for k, v in extra.items() if v})
        return urlencode(pairs)

    def height(self) -> int:
        """The height a fixed frame needs on a phone (where text wraps most), so that
        nothing is cut off without the loader's resizing: a little room on wider pages."""
        return 150 + 78 * self.count + (188 if self.subscribe else 0)
