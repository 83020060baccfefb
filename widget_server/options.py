"""Widget options, declared once (`OPTIONS`): the same as query parameters and `data-*`
attributes. Parsing, the canonical query, every snippet, the customization form, the
OpenAPI description and the documentation's table are made from the declaration. Bad values
fall back to defaults, never to an error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from widget_server.i18n import LANG_NAMES, LANGS, N_
from widget_server.palette import DEFAULT_COLOR, parse_color

THEMES = ("auto", "light", "dark")
MAX_COUNT = 15
TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Option:
    """One widget option: its name, default, how its text is read, what it says."""

    name: str
    default: Any
    parse: Callable[[str | None], Any]
    label: str  # on the customization page
    doc: str
    schema: dict[str, Any]
    control: str  # how the customization page asks for it: select, number, checkbox, color
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a select

    def text(self, value: Any) -> str:
        """The value as a query parameter or attribute says it."""
        return "true" if value is True else str(value)


def _count(raw: str | None) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return DEFAULT_COUNT
    return value if 1 <= value <= MAX_COUNT else DEFAULT_COUNT


DEFAULT_COUNT = 5
OPTIONS: tuple[Option, ...] = (
    Option("color", DEFAULT_COLOR, parse_color, N_("Hex colour"),
           "The accent colour, as #rrggbb or #rgb (anything else: the default).",
           {"type": "string"}, "color"),
    Option("theme", "auto", lambda raw: raw if raw in THEMES else "auto", N_("Theme"),
           "light, dark, or auto (the loader follows the page's background; in a frame of its "
           "own, the reader's system).",
           {"enum": list(THEMES)}, "select",
           (("auto", N_("Follow the page or the reader's system")), ("light", N_("Light")),
            ("dark", N_("Dark")))),
    Option("count", DEFAULT_COUNT, _count, N_("Messages shown"),
           f"Messages shown, 1 to {MAX_COUNT}.",
           {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}, "number"),
    Option("subscribe", False, lambda raw: (raw or "").lower() in TRUE,
           N_("Show the SMS subscribe form"),
           "Show the form that subscribes a phone to the group.",
           {"type": "boolean"}, "checkbox"),
    Option("lang", "auto", lambda raw: raw if raw in LANGS else "auto", N_("Language"),
           "The widget's language; auto: the reader's (their browser's first language that "
           "has a catalogue).", {"enum": ["auto", *LANGS]}, "select",
           (("auto", N_("The reader's language")), *LANG_NAMES.items())),
)
BY_NAME = {option.name: option for option in OPTIONS}


@dataclass(frozen=True)
class Options:
    """One widget's options; a field per declared option, with its default."""

    color: str = field(default=BY_NAME["color"].default)
    theme: str = field(default=BY_NAME["theme"].default)
    count: int = field(default=BY_NAME["count"].default)
    subscribe: bool = field(default=BY_NAME["subscribe"].default)
    lang: str = field(default=BY_NAME["lang"].default)

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Options:
        return cls(**{o.name: o.parse(params.get(o.name)) for o in OPTIONS})

    def changed(self) -> dict[str, str]:
        """The options that differ from their defaults, as text: what a snippet says."""
        return {o.name: o.text(getattr(self, o.name)) for o in OPTIONS
                if getattr(self, o.name) != o.default}

    def query(self, **extra: object) -> str:
        """The canonical query string: only what differs from the defaults."""
        return urlencode({**self.changed(), **{k: v for k, v in extra.items() if v}})

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

