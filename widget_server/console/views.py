"""The console's pages: the login form, the owner's groups, one group.

Every page is for one person: `no-store`, never framed (`frame-ancestors 'none'`), our own
scripts and styles only, nothing from a third party.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from widget_server.console import Console
from widget_server.console.owner import ConsoleError, ItemOutcome
from widget_server.console.session import Session
from widget_server.console.threads import threads
from widget_server.console.words import say, words
from widget_server.i18n import LANG_NAMES, negotiate
from widget_server.palette import DEFAULT_COLOR, palettes
from widget_server.protocol import GROUP_NAME
from widget_server.refusal import seconds
from widget_server.security import page_response
from widget_server.services import services
from widget_server.settings import settings_of
from widget_server.upstream.errors import PrivateGroup, UpstreamError
from widget_server.upstream.models import Group
from widget_server.views import group_data

# For one person only; and never framed (`X-Frame-Options` for browsers before CSP's
# `frame-ancestors`).
PRIVATE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
DONE = ("posted", "posted_later", "replied", "logged_out")
# The console is in the widgets' default colours, worked out once.
LIGHT, DARK = (palette.css() for palette in palettes(DEFAULT_COLOR))


def service(request: Request) -> Console:
    console = services(request).console
    return console


LANG_COOKIE = "console_lang"


def language(request: Request) -> str:
    """`?lang=` when given, else the language the console's picker kept in its cookie, else
    the browser's first language we speak (the one negotiation, i18n.negotiate)."""
    return negotiate(request.query_params.get("lang"),
                     request.headers.get("accept-language", ""),
                     request.cookies.get(LANG_COOKIE))


def suffix(lang: str) -> str:
    """What every console link and form action carries to stay in the language."""
    return f"?lang={lang}" if lang != "en" else ""


def redirect_to(path: str, lang: str, **query: str) -> Response:
    """On to a console page (303), in the same language, for one person only."""
    params = {"lang": lang} if lang != "en" else {}
    params.update(query)
    return RedirectResponse(path + (f"?{urlencode(params)}" if params else ""), 303,
                            headers=PRIVATE)


@dataclass
class Notice:
    """What a page tells the owner about what just happened."""

    error: ConsoleError | None = None
    notice: str = ""
    outcomes: list[tuple[str, str, bool]] = field(default_factory=list)

    def text(self, lang: str) -> str:
        if self.error is None:
            return self.notice
        wait = self.error.retry_after or 60.0
        return say(lang, self.error.key, **{"s": seconds(wait),
                                            "m": max(1, round(wait / 60)), **self.error.values})

    @property
    def status(self) -> int:
        return self.error.status if self.error else 200

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.status == 401:  # a 401 names how to authenticate: the login form
            headers["WWW-Authenticate"] = 'Form realm="GupShup console"'
        wait = self.error.retry_after if self.error else None
        if wait:
            headers["Retry-After"] = str(seconds(wait))
        return headers


def render(request: Request, template: str, lang: str, context: dict[str, Any],
           said: Notice | None = None) -> Response:
    said = said or Notice()
    renderer = services(request).renderer
    page = renderer.render(None, template, lambda: {
        "t": words(lang, settings_of(request).time_zone), "lang": lang, "q": suffix(lang),
        "light": LIGHT, "dark": DARK, "said": said.text(lang),
        "failed": said.error is not None, "outcomes": said.outcomes,
        "languages": LANG_NAMES.items(), **context})
    response = page_response(request, page, status=said.status, ancestors="'none'",
                             headers={**PRIVATE, **said.headers()})
    if request.query_params.get("lang") in LANG_NAMES:  # the picker's choice, kept
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console",
                            httponly=True, samesite="lax")
    return response


def login_page(request: Request, lang: str, said: Notice | None = None,
               phone: str = "") -> Response:
    response = render(request, "console/login.html", lang, {"phone": phone}, said)
    if said is not None and said.error is not None and said.error.key == "session_ended":
        service(request).sessions.end(response, request)
    return response


async def home(request: Request) -> Response:
    lang = language(request)
    session = await service(request).sessions.read(request)
    done = request.query_params.get("done", "")
    if session is None:
        notice = say(lang, done) if done == "logged_out" else ""
        return login_page(request, lang, Notice(notice=notice))
    owner = service(request).owner
    try:
        mine, joined, stream = await asyncio.gather(
            owner.my_groups(session), owner.joined_groups(session),
            owner.joined_stream(session))
    except ConsoleError as error:
        if error.key == "session_ended":
            return login_page(request, lang, Notice(error))
        return render(request, "console/home.html", lang, {"session": session}, Notice(error))
    return render(request, "console/home.html", lang, {
        "session": session, "mine": mine, "joined": joined, "stream": stream})


async def owned(request: Request, session: Session, group: str) -> Group:
    """The owner's group by this name (as the upstream spells it), or ConsoleError."""
    if GROUP_NAME.fullmatch(group):
        for mine in await service(request).owner.my_groups(session):
            if mine.name.lower() == group.lower():
                return mine
    raise ConsoleError("not_your_group", 404)


async def group_page(request: Request) -> Response:
    lang = language(request)
    session = await service(request).sessions.read(request)
    if session is None:
        return redirect_to("/console", lang)
    done = request.query_params.get("done", "")
    notice = ""
    if done in DONE:
        to = " ".join("@" + g for g in request.query_params.get("to", "").split()
                      if GROUP_NAME.fullmatch(g))
        wait = request.query_params.get("s", "")
        notice = say(lang, done, to=to, s=wait if wait.isdigit() and len(wait) < 6 else "60")
    return await show_group(request, session, str(request.path_params["group"]), lang,
                            Notice(notice=notice))


async def show_group(request: Request, session: Session, name: str, lang: str,
                     said: Notice, typed: dict[str, str] | None = None) -> Response:
    """The group's page; `said` is what just happened, `typed` what the owner had typed
    (kept when a form is refused: nothing they wrote is lost)."""
    try:
        group = await owned(request, session, name)
    except ConsoleError as error:
        if error.key == "session_ended":
            return login_page(request, lang, Notice(error))
        return render(request, "console/home.html", lang, {"session": session},
                      said if said.error else Notice(error))
    typed = typed or {}
    context = {"session": session, "group": await _latest_info(request, group),
               "name": group.name, "typed": typed,
               "here": "/console/groups/" + quote(group.name),
               "at": typed.get("_at", "").lower(),  # the form typed in, if refused
               **await _threads(request, session, group.name, lang)}
    return render(request, "console/group.html", lang, context, said)


async def _latest_info(request: Request, group: Group) -> Group:
    """The group as the widgets have it (renewed at each post: its counts are current),
    or as the owner's list had it (a private group has no widget)."""
    if not group.public:
        return group
    try:
        return (await group_data(request).info(group.name)).value
    except UpstreamError:
        return group


async def _threads(request: Request, session: Session, name: str,
                   lang: str) -> dict[str, Any]:
    """The group's messages (from the widgets' cache) with their replies; what cannot be
    fetched now is said, not fatal."""
    console = service(request)
    problems: list[str] = []
    messages = []
    try:
        messages = list((await group_data(request).messages(name)).value.messages)
    except PrivateGroup:
        problems.append(say(lang, "private_messages"))
    except UpstreamError:
        problems.append(say(lang, "unavailable"))
    received = []
    try:
        received = await console.owner.replies(session, name)
    except ConsoleError as error:
        problems.append(say(lang, error.key, **error.values))
    notes = await console.notes.of(name)
    return {"threads": threads(messages, received, notes),
            "problems": list(dict.fromkeys(problems))}


def outcome_lines(lang: str, outcomes: list[ItemOutcome],
                  bad: list[str]) -> list[tuple[str, str, bool]]:
    """(item, what happened to it, done?) for each number of an invite."""
    lines = [(o.item, say(lang, "invited") if o.ok else
              say(lang, "not_invited", reason=o.reason or say(lang, "unavailable")), o.ok)
             for o in outcomes]
    return lines + [(piece, say(lang, "not_a_number"), False) for piece in bad]
