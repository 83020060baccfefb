"""The console's forms. Each refuses another site's POST (403) before anything else, checks
what it can before any upstream call, and on success sends the browser on (303), so a
reload posts nothing twice; on failure it answers the page again with the words, the
status, and what the owner typed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from widget_server.console.owner import ConsoleError
from widget_server.console.rules import check_text, invite_numbers, mentions
from widget_server.console.session import Session
from widget_server.console.views import (
    Notice,
    language,
    login_page,
    outcome_lines,
    owned,
    redirect_to,
    service,
    show_group,
)
from widget_server.console.words import say
from widget_server.net import client_of, cross_site
from widget_server.phones import indian_mobile, masked
from widget_server.protocol import GROUP_NAME, MESSAGE_ID
from widget_server.refusal import seconds
from widget_server.services import services
from widget_server.state.base import StoreDown
from widget_server.upstream.errors import SiteTrouble
from widget_server.views import BadForm, read_form
from widget_server.views.embed import base_url

log = logging.getLogger("widget_server.console")
# Why a reply did not reach a group, by the code the upstream gave for it.
REPLY_FAILURES = {1: "no_such_group", 124: "switched_off", 155: "reply_private"}
Action = Callable[[Request, Session, str, dict[str, str]], Awaitable[Response]]


async def _form(request: Request) -> dict[str, str]:
    if cross_site(request, base_url(request)):
        raise ConsoleError("cross_site", 403)
    try:
        return await read_form(request)
    except BadForm:
        raise ConsoleError("bad_form", 400) from None


async def login(request: Request) -> Response:
    lang = language(request)
    try:
        form = await _form(request)
    except ConsoleError as error:
        return login_page(request, lang, Notice(error))
    phone = indian_mobile(form.get("phone", "").strip())
    password = form.get("password", "")
    typed = form.get("phone", "")[:32]
    if phone is None:
        return login_page(request, lang, Notice(ConsoleError("bad_phone", 422)), typed)
    if not password:
        return login_page(request, lang, Notice(ConsoleError("missing_password", 422)), typed)
    try:
        token = await _log_in(request, phone, password)
    except ConsoleError as error:
        return login_page(request, lang, Notice(error), typed)
    except StoreDown:
        return login_page(request, lang, Notice(ConsoleError("unavailable", 503, 10.0)), typed)
    log.info("console login for %s", masked(phone))
    response = redirect_to("/console", lang)
    try:
        await service(request).sessions.start(response, request, token, phone)
    except SiteTrouble:
        return login_page(request, lang, Notice(ConsoleError("site_trouble", 503, 10.0)),
                          typed)
    return response


async def _log_in(request: Request, phone: str, password: str) -> str:
    """The upstream token; a wrong password stays counted against the phone and the
    address, anything else (even an inactive account: the password was right) does not."""
    console = service(request)
    ip = client_of(request)
    receipt = await console.guard.login(phone, ip)
    try:
        token = await console.owner.login(phone, password)
    except ConsoleError as error:
        if error.key == "wrong_password":
            await console.guard.wrong(phone, ip)
        else:
            await console.guard.right(phone, ip, receipt)
        raise
    await console.guard.right(phone, ip, receipt)
    return token


async def logout(request: Request) -> Response:
    lang = language(request)
    console = service(request)
    try:
        await _form(request)
    except ConsoleError as error:
        return login_page(request, lang, Notice(error))
    session = await console.sessions.read(request)
    await console.sessions.revoke(request)  # ended here first, whatever GupShup says
    if session is not None:
        try:
            await console.owner.logout(session)
        except ConsoleError as error:  # the token expires there by itself
            log.warning("console logout: GupShup did not confirm (%s)", error.key)
    response = redirect_to("/console", lang, done="logged_out")
    console.sessions.end(response, request)
    return response


async def _owner_action(request: Request, action: Action) -> Response:
    """The checks every group form shares: same site, logged in, a readable form; then
    the action, whose refusal answers the group page again with what was typed."""
    lang = language(request)
    group = str(request.path_params["group"])
    try:
        form = await _form(request)
    except ConsoleError as error:
        return login_page(request, lang, Notice(error))
    session = await service(request).sessions.read(request)
    if session is None:
        return login_page(request, lang, Notice(ConsoleError("session_ended", 401)))
    try:
        return await action(request, session, lang, form)
    except ConsoleError as refusal:
        if refusal.key == "session_ended":
            return login_page(request, lang, Notice(refusal))
        said = Notice(refusal)
    except StoreDown:
        said = Notice(ConsoleError("unavailable", 503, 10.0))
    return await show_group(request, session, group, lang, said,
                            {**form, "_at": request.url.path})


async def post(request: Request) -> Response:
    return await _owner_action(request, _post)


async def _post(request: Request, session: Session, lang: str,
                form: dict[str, str]) -> Response:
    console = service(request)
    text = check_text(form.get("text", ""))
    mine = await owned(request, session, str(request.path_params["group"]))
    group = mine.name
    newest = services(request).data.newest_held(group)
    if text in (console.last_posts.get((session.phone, group.lower())),
                newest.text if newest else None):
        raise ConsoleError("repeat", 422)
    receipt = await console.guard.post(session.phone)
    try:
        await console.owner.post(session, group, text)
    except ConsoleError as error:
        if error.key != "pace":  # the upstream counts only what it took
            await console.guard.not_posted(session.phone, receipt)
        raise
    console.last_posts[(session.phone, group.lower())] = text
    wait = None
    if mine.public:  # a private group has no widget, and its stream can't be read
        wait = await services(request).data.renew(group, session.client)  # shown at once
    if wait is None:
        return redirect_to(f"/console/groups/{quote(group)}", lang, done="posted")
    return redirect_to(f"/console/groups/{quote(group)}", lang, done="posted_later",
              s=str(seconds(wait)))


async def reply(request: Request) -> Response:
    return await _owner_action(request, _reply)


async def _reply(request: Request, session: Session, lang: str,
                 form: dict[str, str]) -> Response:
    """A reply from the group to the groups its text names; without a name, to those
    that answered the message (the form says which), or else to the group itself."""
    console = service(request)
    message = str(request.path_params["id"])
    if not MESSAGE_ID.fullmatch(message):  # as /openapi.json says: no such message
        raise ConsoleError("no_such_message", 404)
    group = (await owned(request, session, str(request.path_params["group"]))).name
    text = check_text(form.get("text", ""))
    if not mentions(text):
        to = [g for g in form.get("to", "").split() if GROUP_NAME.fullmatch(g)] or [group]
        text = check_text(" ".join("@" + g for g in to) + " " + text)
    outcomes = await console.owner.reply(session, group, text)
    done = [o for o in outcomes if o.ok]
    if done:
        await console.notes.sent(group, message, text, [o.item for o in done],
                                 [o.reason for o in done])
    if len(done) < len(outcomes):  # some groups (or all) could not be reached: say which
        said = Notice(notice=say(lang, "replied", to=" ".join("@" + o.item for o in done)),
                    outcomes=[("@" + o.item, say(lang, REPLY_FAILURES.get(o.code, "failed")),
                               o.ok) for o in outcomes])
        if not done:
            said.error = ConsoleError("reply_failed", 422)
        return await show_group(request, session, group, lang, said,
                                {**form, "_at": request.url.path})
    return redirect_to(f"/console/groups/{quote(group)}", lang, done="replied",
              to=" ".join(o.item for o in done))


async def invite(request: Request) -> Response:
    return await _owner_action(request, _invite)


async def _invite(request: Request, session: Session, lang: str,
                  form: dict[str, str]) -> Response:
    console = service(request)
    numbers, bad = invite_numbers(form.get("phones", ""))
    group = (await owned(request, session, str(request.path_params["group"]))).name
    outcomes = []
    if numbers:
        await console.guard.invite(session.phone)
        outcomes = await console.owner.invite(session, group, numbers)
    said = Notice(notice=say(lang, "invites_done"), outcomes=outcome_lines(lang, outcomes, bad))
    if not numbers:  # nothing was sent: every piece typed was no number
        said.error = ConsoleError("bad_phones", 422)
    return await show_group(request, session, group, lang, said,
                            {"phones": "\n".join(bad), "_at": request.url.path})
