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


def readable_on(background: str, color: str) -> str:
    """`color` moved towards black or white, as little as needed for 4.5:1 on `background`."""
    target = "#000000" if luminance(background) > 0.18 else "#ffffff"
    for step in range(21):
        candidate = _mix(color, target, step / 20)
        if contrast(candidate, background) >= AA:
            return candidate
    return target


@dataclass(frozen=True)
class Palette:
    accent: str
    on_accent: str
    bg: str
    fg: str
    muted: str
    border: str
    surface: str
    link: str

    def css(self) -> str:
        return ";".join(f"--{name.replace('_', '-')}:{value}"
                        for name, value in vars(self).items())


def palettes(color: str) -> tuple[Palette, Palette]:
    """The light and the dark palette for an accent colour."""
    accent = parse_color(color)
    on_accent = max(("#ffffff", "#000000"), key=lambda t: contrast(t, accent))
    light = Palette(accent, on_accent, "#ffffff", "#1c1c1e", "#5f6368",
                    _mix(accent, "#ffffff", 0.75), _mix(accent, "#ffffff", 0.93),
                    readable_on("#ffffff", accent))
    dark = Palette(accent, on_accent, "#16171a", "#ececf1", "#a8abb3",
                   _mix(accent, "#16171a", 0.6), _mix(accent, "#16171a", 0.85),
                   readable_on("#16171a", accent))
    return light, dark
