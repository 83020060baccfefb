"""One accent colour in, a light and a dark palette out, with readable contrast.

Text on the accent is white or near-black, whichever contrasts more (one of them always
reaches 4.5:1). The accent used as text on the page background is darkened (light theme) or
lightened (dark theme) until it reaches 4.5:1 too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
DEFAULT_COLOR = "#c2410c"
AA = 4.5
NON_TEXT = 3.0
RGB = tuple[float, float, float]


def parse_color(text: str | None) -> str:
    """`#rgb` or `#rrggbb` (the `#` optional), lower-cased as `#rrggbb`; else the default."""
    match = HEX.fullmatch(text.strip()) if text else None
    if match is None:
        return DEFAULT_COLOR
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _rgb(color: str) -> RGB:
    return (int(color[1:3], 16) / 255, int(color[3:5], 16) / 255, int(color[5:7], 16) / 255)


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(color: str, target: str, amount: float) -> str:
    a, b = _rgb(color), _rgb(target)
    return _hex((a[0] + (b[0] - a[0]) * amount, a[1] + (b[1] - a[1]) * amount,
                 a[2] + (b[2] - a[2]) * amount))


def readable_on(background: str, color: str, ratio: float = AA) -> str:
    """`color` moved towards black or white, as little as needed for `ratio` on
    `background`."""
    target = "#000000" if luminance(background) > 0.18 else "#ffffff"
    for step in range(41):
        candidate = _mix(color, target, step / 40)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


def _on_both(color: str, first: str, second: str, ratio: float = AA) -> str:
    """Readable on two surfaces at once (the page and the panels on it)."""
    return readable_on(second, readable_on(first, color, ratio), ratio)


@dataclass(frozen=True)
class Palette:
    """Every text reaches AA (4.5:1) on every surface it sits on (the page `bg` and the
    panels' `surface`); borders and focus rings reach 3:1 (WCAG 1.4.11); errors have a
    colour of their own, never the brand's; the accent stays 3:1 from the page, so the
    card never dissolves into it."""

    accent: str
    on_accent: str
    bg: str
    fg: str
    muted: str
    border: str
    surface: str
    link: str
    error: str

    def css(self) -> str:
        return ";".join(f"--{name.replace('_', '-')}:{value}"
                        for name, value in vars(self).items())


def _palette(chosen: str, bg: str, fg: str, muted: str, tint: float, error: str) -> Palette:
    accent = readable_on(bg, chosen, NON_TEXT)
    on_accent = max(("#ffffff", "#000000"), key=lambda t: contrast(t, accent))
    surface = _mix(accent, bg, tint)
    return Palette(accent, on_accent, bg, _on_both(fg, bg, surface),
                   _on_both(muted, bg, surface),
                   _on_both(_mix(accent, bg, 0.5), bg, surface, NON_TEXT), surface,
                   _on_both(accent, bg, surface), _on_both(error, bg, surface))


def palettes(color: str) -> tuple[Palette, Palette]:
    """The light and the dark palette for an accent colour."""
    chosen = parse_color(color)
    return (_palette(chosen, "#ffffff", "#1c1c1e", "#5f6368", 0.93, "#c92a2a"),
            _palette(chosen, "#16171a", "#ececf1", "#a8abb3", 0.85, "#ff8787"))


def adjustments(color: str) -> list[tuple[str, str]]:
    """Where the widget could not use the chosen colour as it is: (theme, colour used)."""
    chosen = parse_color(color)
    light, dark = palettes(chosen)
    return [(theme, palette.accent) for theme, palette in (("light", light), ("dark", dark))
            if palette.accent != chosen]
