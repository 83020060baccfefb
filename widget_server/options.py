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

    def height(self, narrow: bool = True) -> int:
        """About the height the widget takes, narrow (under 420 px, where text wraps most:
        what a fixed frame needs so that nothing is cut off on a phone) or wide."""
        if narrow:
            return 150 + 78 * self.count + (188 if self.subscribe else 0)
        return 150 + 60 * self.count + (170 if self.subscribe else 0)

    def reserve_css(self) -> str:
        """A height for the space the loader will fill, by the width it will have (a
        container query): the page does not move when the widget arrives."""
        narrow, wide = self.height(True), self.height(False)
        return (f"min-height:max({wide}px,min({narrow}px,"
                f"calc({narrow}px - (100cqw - 419px) * 1000)))")
