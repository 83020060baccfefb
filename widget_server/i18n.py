"""Every reader in their own language: gettext catalogues (one `.po` file per language under
`widget_server/locales/`, compiled in memory on first use, so a fresh install needs no build
step), the one negotiation of a request's language, and the locale's own numbers, digits,
dates and direction through Babel (CLDR)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES = Path(__file__).resolve().parent / "locales"
Plural = tuple[str, str]


def N_(message: str) -> str:
    """Marks an English source string for extraction (`pybabel extract -k N_`)."""
    return message


def Np_(singular: str, plural: str) -> Plural:
    """Marks a source string with a plural (`-k Np_:1,2`): its form follows a number."""
    return (singular, plural)


def _catalogued() -> tuple[str, ...]:
    """English (the source), then every language with a catalogue, by code: adding a
    language is adding its `.po` file."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
    return ("en", *found)


LANGS = _catalogued()


@functools.cache
def locale(lang: str) -> Locale:
    """The language as spoken in India (en_IN groups 1,23,456): the readers are there."""
    return Locale.parse(f"{lang_of(lang)}_IN")


def _own_name(lang: str) -> str:
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


LANG_NAMES = {lang: _own_name(lang) for lang in LANGS}  # each language in its own words


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "en"


@functools.cache
def translations(lang: str) -> NullTranslations:
    if lang_of(lang) == "en":
        return NullTranslations()
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return GNUTranslations(compiled)


# A face for every script the languages are written in, where the reader's system has one
# (Windows: Nirmala UI; Android and Linux: Noto), the language's own first (Urdu reads in
# Nastaliq, which needs more room between lines).
FONTS = ('system-ui,-apple-system,"Segoe UI",Roboto,"Nirmala UI","Noto Sans",'
         '"Noto Sans Devanagari","Noto Sans Bengali","Noto Sans Gurmukhi",'
         '"Noto Sans Gujarati","Noto Sans Oriya","Noto Sans Tamil","Noto Sans Telugu",'
         '"Noto Sans Kannada","Noto Sans Malayalam","Noto Sans Arabic",sans-serif')
OWN_FONTS = {"ur": ('"Noto Nastaliq Urdu","Jameel Noori Nastaleeq","Urdu Typesetting",', 1.9)}


def type_css(lang: str) -> str:
    """The CSS custom properties a page's text is set with (`var(--font)`, `--leading`)."""
    first, leading = OWN_FONTS.get(lang_of(lang), ("", 1.45))
    return f"--font:{first}{FONTS};--leading:{leading}"


def direction(lang: str) -> str:
    return "rtl" if locale(lang).character_order == "right-to-left" else "ltr"


# The first digit of each numbering system that CLDR makes a locale's default (Babel
# formats with Latin digits and the locale's separators; the digits are ours to change).
ZEROS = {"deva": 0x966, "beng": 0x9E6, "arabext": 0x6F0, "arab": 0x660, "guru": 0xA66,
         "gujr": 0xAE6, "orya": 0xB66, "tamldec": 0xBE6, "telu": 0xC66, "knda": 0xCE6,
         "mlym": 0xD66}


def digits(lang: str, text: str) -> str:
    zero = ZEROS.get(locale(lang).default_numbering_system)
    if zero is None:
        return text
    return re.sub(r"[0-9]", lambda m: chr(zero + int(m.group())), text)


def number(lang: str, value: int) -> str:
    """123456 as the locale writes it: 1,23,456 in India, in its own digits."""
    return digits(lang, format_decimal(value, locale=locale(lang), numbering_system="default"))


def when(lang: str, moment: datetime, zone: str) -> str:
    """A message's time in the locale's words, to the minute, in `zone` (India's by
    default): the locale's medium date and short time, joined its own way, and the zone."""
    where, place = ZoneInfo(zone), locale(lang)
    joined = str(place.datetime_formats["medium"])
    text = joined.replace("{1}", format_date(moment.astimezone(where), "medium", locale=place))
    text = text.replace("{0}", format_time(moment, "short", tzinfo=where, locale=place))
    # the zone said (IST): without a script to turn it into theirs, a reader elsewhere
    # still reads the time right
    return digits(lang, f"{text} {format_datetime(moment, 'z', tzinfo=where, locale=place)}")


def fill(text: str, **values: object) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


class Words:
    """English source strings by key, in one language: `t.key` in templates,
    `t.say(key, n=3)` with its numbers filled in the locale's way (and the plural form
    the number takes, for a (singular, plural) entry)."""

    def __init__(self, lang: str, source: Mapping[str, str | Plural], fallback: str,
                 zone: str = "Asia/Kolkata") -> None:
        self.lang, self._source, self._fallback = lang_of(lang), source, fallback
        self.zone, self.dir = zone, direction(self.lang)
        # Between a group's name and its counts: the Arabic script's own comma where a
        # middle dot would read as its zero.
        self.sep = "، " if self.dir == "rtl" else " · "

    def when(self, moment: datetime) -> str:
        return when(self.lang, moment, self.zone)

    def say(self, key: str, **values: object) -> str:
        entry = self._source.get(key) or self._source[self._fallback]
        catalog = translations(self.lang)
        if isinstance(entry, tuple):
            count = next((v for k, v in values.items() if k in ("n", "s", "m")), 1)
            text = catalog.ngettext(entry[0], entry[1], int(str(count)))
        else:
            text = catalog.gettext(entry)
        filled = {k: number(self.lang, v) if isinstance(v, int) else v
                  for k, v in values.items()}
        if self.dir == "rtl":  # each value isolated: a number or a name keeps its own order
            filled = {k: f"\u2068{v}\u2069" for k, v in filled.items()}
        return fill(text, **filled)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.say(key)

    def __getitem__(self, key: str) -> str:
        return self.say(key)

    def get(self, key: str) -> str | None:
        return self.say(key) if key in self._source else None

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)


def _accepted(header: str) -> list[str]:
    """An Accept-Language header's languages, most wanted first."""
    weighted = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        match = re.search(r"q=([01](?:\.\d{0,3})?)", params)
        weighted.append((-(float(match.group(1)) if match else 1.0), i, tag.strip().lower()))
    return [tag for q, _, tag in sorted(weighted) if tag and q < 0]


def negotiate(asked: str | None, accept: str = "", kept: str | None = None) -> str:
    """The one choice of a request's language: what was asked (the `lang` option or
    `?lang=`), else what the console kept in its cookie, else the browser's first language
    we speak, else English."""
    for choice in (asked, kept, *(t.split("-")[0] for t in _accepted(accept))):
        if choice in LANGS:
            return str(choice)
    return "en"
