"""Every page and every error text in the twelve languages: the catalogues against the
source strings (nothing missing, untranslated, stale, with other placeholders or a plural
form short), the one negotiation, and the locale's own numbers, digits and dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from widget_server.i18n import LANG_NAMES, LANGS, LOCALES, direction, negotiate, number, when

ROOT = Path(__file__).resolve().parent.parent
INDIA = ("en", "hi", "bn", "mr", "te", "ta", "gu", "ur", "kn", "or", "ml", "pa")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Np_": (1, 2)}
PLACEHOLDER = re.compile(r"\{\w+\}")


def source() -> dict[str | tuple[str, ...], None]:
    """Every msgid the code and the templates use, as `pybabel extract` finds them."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: dict[str | tuple[str, ...], None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        found[message if isinstance(message, str) else tuple(message)] = None
    return found


def catalogue(name: str) -> Catalog:
    path = LOCALES / (name if name.endswith(".pot") else f"{name}/LC_MESSAGES/messages.po")
    with open(path, "rb") as po:
        return read_po(po, locale=None if name.endswith(".pot") else name)


def _script(text: str) -> str:
    """The Unicode script of a text's first letter (DEVANAGARI, TAMIL, ARABIC, ...)."""
    letter = next((c for c in text if c.isalpha()), None)
    return unicodedata.name(letter, "").split(" ")[0] if letter else ""


def _id(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_the_twelve_languages_have_catalogues() -> None:
    assert set(INDIA) <= set(LANGS)
    assert LANG_NAMES["hi"] == "हिन्दी" and LANG_NAMES["ur"] == "اردو"


def test_the_template_is_the_source_as_it_is() -> None:
    """messages.pot is what `pybabel extract` finds today (the update command was run)."""
    assert {_id(m.id) for m in catalogue("messages.pot") if m.id} == set(source())


@pytest.mark.parametrize("lang", [lang for lang in INDIA if lang != "en"])
def test_every_entry_is_translated_current_and_well_formed(lang: str) -> None:
    po, wanted = catalogue(lang), set(source())
    have = {_id(m.id): m for m in po if m.id}
    assert not wanted - set(have), f"missing in {lang}: {sorted(map(str, wanted - set(have)))}"
    assert not set(have) - wanted, f"stale in {lang}: {sorted(map(str, set(have) - wanted))}"
    script = _script(LANG_NAMES[lang])
    wrong = []
    for key, message in have.items():
        sources = [key] if isinstance(key, str) else list(key)
        texts = ([message.string] if isinstance(message.string, str)
                 else list(message.string or ()))
        if isinstance(key, tuple) and len(texts) != po.num_plurals:
            wrong.append(f"plural forms {len(texts)} of {po.num_plurals}: {key}")
        for text in texts:
            if not text or message.fuzzy:
                wrong.append(f"untranslated: {key}")
            elif not any(_script(c) == script for c in text):
                wrong.append(f"not in the language's script: {text}")
            elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(sources[-1])):
                wrong.append(f"placeholders differ: {text} / {sources[-1]}")
    assert not wrong, "\n".join(wrong)
    assert "review" in (po.header_comment or "").lower()  # who should review it


def test_plural_forms_are_the_languages_own() -> None:
    for lang in LANGS[1:]:
        po = catalogue(lang)
        assert po.plural_forms == Catalog(locale=lang).plural_forms, lang


@pytest.mark.parametrize(("asked", "accept", "kept", "chosen"), [
    ("ta", "hi-IN,hi;q=0.9", None, "ta"),  # the option or ?lang= first
    (None, "bn-IN,bn;q=0.9,en;q=0.8", None, "bn"),
    (None, "fr-FR,ml;q=0.5,en;q=0.7", None, "en"),  # by weight: English before Malayalam
    (None, "fr, ml;q=0.5", None, "ml"),
    (None, "hi", "ur", "ur"),  # the console's cookie before the browser
    ("xx", "", None, "en"),
    (None, "", None, "en"),
])
def test_one_negotiation(asked: str | None, accept: str, kept: str | None,
                         chosen: str) -> None:
    assert negotiate(asked, accept, kept) == chosen


def test_indian_grouping_and_the_locales_own_digits() -> None:
    assert number("en", 123456) == "1,23,456"
    assert number("hi", 123456) == "1,23,456"
    assert number("mr", 123456) == "१,२३,४५६"  # Marathi writes Devanagari digits
    assert direction("ur") == "rtl" and direction("hi") == "ltr"


def test_times_in_india_and_the_locales_words() -> None:
    moment = datetime(2026, 12, 3, 8, 5, tzinfo=UTC)
    assert when("en", moment, "Asia/Kolkata") == "3 Dec 2026, 1:35\u202fPM IST"
    assert "दिस" in when("hi", moment, "Asia/Kolkata")
    assert when("mr", moment, "Asia/Kolkata").startswith("३ डिसें")
    assert when("en", moment, "UTC").endswith("8:05\u202fAM UTC")


@pytest.mark.anyio
async def test_api_and_oembed_errors_speak_the_askers_language(tmp_path: Path) -> None:
    from tests.harness import widget_env
    from widget_server.words import say

    async with widget_env(tmp_path) as env:
        bad = await env.client.get("/api/groups/bad%20name?lang=ur")
        assert bad.status_code == 400 and bad.json()["error"]["message"] == say("ur", "bad_name")
        elsewhere = await env.client.get("/oembed", params={"url": "http://x/widget/groups/a"},
                                         headers={"Accept-Language": "ta-IN,ta;q=0.9"})
        assert elsewhere.json()["error"] == say("ta", "not_a_widget")
        page = await env.client.get("/", headers={"Accept-Language": "kn"})
        assert '<html lang="kn"' in page.text and "ಗುಂಪಿನ ಹೆಸರು" in page.text
