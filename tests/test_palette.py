"""The palette holds for any colour: AA text on every surface, 3:1 borders and focus rings,
an error colour of its own, and an accent that stands out from the page."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from widget_server.palette import AA, NON_TEXT, adjustments, contrast, palettes

COLORS = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@given(COLORS)
@settings(max_examples=300)
def test_every_text_and_border_is_readable_on_every_surface(color: str) -> None:
    for p in palettes(color):
        for surface in (p.bg, p.surface):
            for text in (p.fg, p.muted, p.link, p.error):
                assert contrast(text, surface) >= AA
            assert contrast(p.border, surface) >= NON_TEXT  # inputs, cards, focus rings
        assert contrast(p.on_accent, p.accent) >= AA
        assert contrast(p.accent, p.bg) >= NON_TEXT  # the header never dissolves
        assert p.error != p.link


def test_a_colour_that_had_to_change_is_said() -> None:
    assert adjustments("#c2410c") == []
    assert [theme for theme, _ in adjustments("#0b1d51")] == ["dark"]  # navy on dark
    assert [theme for theme, _ in adjustments("#fff3bf")] == ["light"]  # pale on white
