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
from widget_server.i18n import say, strings
from widget_server.options import OPTIONS, Options
from widget_server.palette import DEFAULT_COLOR, HEX, adjustments
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import refusal
from widget_server.security import page_response
from widget_server.services import services
from widget_server.upstream.errors import UpstreamError
from widget_server.views import group_data
from widget_server.views.embed import base_url

PRESETS = [("Saffron", DEFAULT_COLOR), ("Ocean", "#1971c2"), ("Leaf", "#2f9e44"),
           ("Plum", "#9c36b5"), ("Chilli", "#e03131"), ("Ink", "#212529")]


PROBLEMS = {
    "empty": "Type the name of a GupShup group: the part after gupshup.com/ in its address.",
    "group_not_found": "There is no public GupShup group by that name.",
    "private_group": "That group is private: its messages can't be shown on a blog.",
    "disabled": "That group has been switched off: its messages show, but nobody can "
                "subscribe to it.",
}


async def _check(data: GroupData, group: str, lang: str) -> str | None:
    """None when the group can be shown, else the words to say precisely why not."""
    if not group:
        return PROBLEMS["empty"]
    if not GROUP_NAME.fullmatch(group):
        return strings(lang)["bad_name"]
    try:
        info = await data.info(group)
    except UpstreamError as error:
        answer = refusal(error)
        return PROBLEMS.get(answer.code) or say(lang, answer.key, **answer.words())
    return PROBLEMS["disabled"] if info.value.disabled else None


def adjusted(params: Mapping[str, str], options: Options) -> list[str]:
    """What the page had to change in what was asked, in words (never silently)."""
    said = []
    color = params.get("color", "").strip()
    if color and not HEX.fullmatch(color):
        said.append(f"“{color[:20]}” is not a colour like #1971c2: the default is used.")
    said += adjustments(options.color)
    count = params.get("count", "").strip()
    if count and count != str(options.count):
        said.append(f"{count[:6]} messages can't be shown (1 to 15): showing "
                    f"{options.count}.")
    return said


OEMBED_PORTS = (80, 443, 8080)  # the only ports WordPress fetches an embed from


def unreachable_reason(base: str) -> str | None:
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
        return (f"This page is served from {host}, which no blog on the internet can reach: "
                "set WIDGET_PUBLIC_URL to the server's public address before you copy a "
                "snippet.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in OEMBED_PORTS:
        return (f"This server answers on port {port}: WordPress embeds a widget URL only "
                "from ports 80, 443 and 8080 (and says \"Sorry, this content could not be "
                "embedded\"). Serve it behind a proxy on 443.")
    return None


async def customize(request: Request) -> Response:
    options = Options.parse(request.query_params)
    warnings = adjusted(request.query_params, options)
    group = request.query_params.get("group", "jumpy").strip()[:64]
    problem = await _check(group_data(request), group, "en")
    base = base_url(request)
    reach = unreachable_reason(base)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"problem": problem, "warnings": warnings, "reach": reach,
                             "snippets": snippets(base, group, options),
                             "preview": snippets("", group, options).get("url"),
                             "height": options.height()},
                            headers={"Cache-Control": "no-store", "Vary": "Accept"})
    renderer = services(request).renderer
    page = renderer.render(("customize", base, group, options, problem, tuple(warnings)),
                           "index.html",
                           lambda: {"o": options, "group": group, "problem": problem,
                                    "warnings": warnings, "reach": reach,
                                    "presets": PRESETS, "options": OPTIONS,
                                    "snippets": snippets(base, group, options),
                                    "preview": snippets("", group, options).get("url")})
    return page_response(request, page, frames=True, ancestors="'self'",
                         headers={"Cache-Control": "no-cache", "Vary": "Accept"})
