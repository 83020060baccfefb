"""The subscription over HTTP. Forms: post, then 303 to the widget page (works without
JavaScript); errors render the widget at their status. JSON twins live under /api."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from widget_server.net import client_of, cross_site
from widget_server.refusal import minutes, seconds
from widget_server.services import services
from widget_server.subscribe import RESEND_AFTER, Outcome
from widget_server.views import BadForm, read_form, reader_options
from widget_server.views.embed import base_url
from widget_server.views.params import request_lang
from widget_server.views.widgets import render_group
from widget_server.words import say


async def _run(request: Request, confirm: bool) -> tuple[Outcome, dict[str, str]]:
    group = str(request.path_params["group"])
    if cross_site(request, base_url(request)):
        return Outcome("cross_site", 403), {}
    try:
        form = await read_form(request)
    except BadForm:
        return Outcome("bad_form", 400), {}
    ip = client_of(request)
    subs = services(request).subscriptions
    if confirm:
        outcome = await subs.confirm(group, form.get("ticket", ""), form.get("code", ""), ip)
    elif form.get("resend") and form.get("ticket"):
        outcome = await subs.resend(group, form["ticket"], ip)
    else:
        outcome = await subs.start(group, form.get("phone", ""), ip, form.get("website", ""))
    return outcome, form


def message(outcome: Outcome, lang: str) -> str:
    return say(lang, outcome.key, phone=outcome.phone or "", n=outcome.attempts_left or 0,
               m=minutes(outcome.retry_after or 60),
               s=seconds(outcome.retry_after or RESEND_AFTER))


def _retry_headers(outcome: Outcome) -> dict[str, str]:
    return {"Retry-After": str(seconds(outcome.retry_after))} if outcome.retry_after else {}


async def _form_view(request: Request, confirm: bool) -> Response:
    """The next step is the POST's own answer: the ticket travels in the form, never in a
    URL (where logs, proxies and history would keep the phone number and the token)."""
    options = reader_options(request)
    outcome, form = await _run(request, confirm)
    group = str(request.path_params["group"])
    state: dict[str, Any]
    if outcome.ok and outcome.ticket:
        state = {"step": "confirm", "ticket": outcome.ticket, "resend_in": int(RESEND_AFTER),
                 "note": message(outcome, options.lang)}
    elif outcome.ok:
        state = {"step": "done", "note": message(outcome, options.lang)}
    else:
        state = {"step": "confirm" if outcome.ticket else "start", "ticket": outcome.ticket,
                 "error": message(outcome, options.lang), "phone": form.get("phone", "")}
    return await render_group(request, options, group, state, outcome.status,
                              _retry_headers(outcome))


async def start_form(request: Request) -> Response:
    return await _form_view(request, confirm=False)


async def confirm_form(request: Request) -> Response:
    return await _form_view(request, confirm=True)


async def _json_view(request: Request, confirm: bool) -> Response:
    lang = request_lang(request)
    outcome, _ = await _run(request, confirm)
    body: dict[str, Any] = {"status": "ok" if outcome.ok else "error", "code": outcome.key,
                            "message": message(outcome, lang)}
    if outcome.ticket:
        body.update(ticket=outcome.ticket, resendAfter=RESEND_AFTER)
    if outcome.attempts_left is not None:
        body["attemptsLeft"] = outcome.attempts_left
    if outcome.retry_after:
        body["retryAfter"] = seconds(outcome.retry_after)
    return JSONResponse(body, outcome.status, headers={"Cache-Control": "no-store",
                                                       **_retry_headers(outcome)})


async def start_json(request: Request) -> Response:
    return await _json_view(request, confirm=False)


async def confirm_json(request: Request) -> Response:
    return await _json_view(request, confirm=True)
