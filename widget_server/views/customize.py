"""The customization page `/`: pick a group and options, preview, copy a snippet.

It works as a plain GET form without JavaScript; `customize.js` makes it live.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_address
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from widget_server.embeds import snippets
from widget_server.groups import GroupData
from widget_server.i18n import N_, Words
from widget_server.options import OPTIONS, Options
from widget_server.palette import DEFAULT_COLOR, HEX, adjustments
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.security import page_response
from widget_server.services import services
from widget_server.upstream.errors import UpstreamError
from widget_server.views import group_data
from widget_server.views.embed import base_url
from widget_server.views.params import request_lang
from widget_server.words import page_words, say

PRESETS = [(N_("Saffron"), DEFAULT_COLOR), (N_("Ocean"), "#1971c2"), (N_("Leaf"), "#2f9e44"),
           (N_("Plum"), "#9c36b5"), (N_("Chilli"), "#e03131"), (N_("Ink"), "#212529")]


async def _check(data: GroupData, group: str, t: Words) -> str | None:
    """None when the group can be shown, else the words to say precisely why not."""
    if not group:
        return t.say("empty")
    if not GROUP_NAME.fullmatch(group):
        return say(t.lang, "bad_name")
    try:
        info = await data.info(group)
    except UpstreamError as error:
        answer = refusal(error)
        return t.get(answer.code) or say(t.lang, answer.key, **answer.words())
    return t.say("disabled") if info.value.disabled else None


def adjusted(params: Mapping[str, str], options: Options, t: Words) -> list[str]:
    """What the page had to change in what was asked, in words (never silently)."""
    said = []
    color = params.get("color", "").strip()
    if color and not HEX.fullmatch(color):
        said.append(t.say("not_a_colour", color=color[:20]))
    said += [t.say(f"too_close_{theme}", chosen=options.color, used=used)
             for theme, used in adjustments(options.color)]
    count = params.get("count", "").strip()
    if count and count != str(options.count):
        said.append(t.say("count_adjusted", count=count[:6], shown=options.count))
    return said


VARY = {"Vary": "Accept, Accept-Language"}
OEMBED_PORTS = (80, 443, 8080)  # the only ports WordPress fetches an embed from


def unreachable_reason(base: str, t: Words) -> str | None:
    """Why a blog on the internet (WordPress's oEmbed fetch above all) cannot reach the
    server at `base`, or None: a loopback or private address, or an unusual port."""
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    try:
        address = ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address is not None and (
            address.is_loopback or address.is_private or address.is_link_local)):
        return t.say("unreachable_host", host=host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in OEMBED_PORTS:
        return t.say("unreachable_port", port=str(port))
    return None


async def customize(request: Request) -> Response:
    options = Options.parse(request.query_params)
    t = page_words(request_lang(request))
    warnings = adjusted(request.query_params, options, t)
    group = request.query_params.get("group", "jumpy").strip()[:64]
    problem = await _check(group_data(request), group, t)
    base = base_url(request)
    reach = unreachable_reason(base, t)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"problem": problem, "warnings": warnings, "reach": reach,
                             "snippets": snippets(base, group, options),
                             "preview": snippets("", group, options).get("url"),
                             "height": options.height()},
                            headers={"Cache-Control": "no-store", **VARY})
    renderer = services(request).renderer
    page = renderer.render(("customize", base, group, options, t.lang, problem,
                            tuple(warnings)), "index.html",
                           lambda: {"o": options, "group": group, "problem": problem,
                                    "t": t, "_": t.gettext,
                                    "gettext": t.gettext, "ngettext": t.ngettext,
                                    "warnings": warnings, "reach": reach,
                                    "presets": PRESETS, "options": OPTIONS,
                                    "snippets": snippets(base, group, options),
                                    "preview": snippets("", group, options).get("url")})
    return page_response(request, page, frames=True, ancestors="'self'",
                         headers={"Cache-Control": "no-cache", **VARY})
