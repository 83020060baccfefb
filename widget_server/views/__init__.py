"""The widget server's HTTP views: widgets, the JSON API, embedding (loader, oEmbed, feed),
the customization page, the subscription forms, and the OpenAPI description."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request

from widget_server.groups import GroupData
from widget_server.net import client_of
from widget_server.options import Options
from widget_server.request_limits import BodyRefused
from widget_server.services import services
from widget_server.views.params import request_lang

MAX_FORM = 4096
MAX_FORM_BODY = 16 * 1024  # the longest form (an invite list of 50 numbers) is far less


def group_data(request: Request) -> GroupData:
    """The app's group data, asked for by this request's client (whose new fetches are
    limited)."""
    data = services(request).data
    return data.seen_by(client_of(request))


def reader_options(request: Request) -> Options:
    """A widget's options, its language chosen: the `lang` option, else the reader's
    (pages that leave it to the reader say `Vary: Accept-Language`)."""
    return dataclasses.replace(Options.parse(request.query_params), lang=request_lang(request))


READER_VARY = {"Vary": "Accept-Language"}


class BadForm(ValueError):
    """A malformed or oversized form: a bad request, not a crash."""


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form's text fields, each cut at MAX_FORM characters; BadForm
    for a malformed or oversized one. A body too large or too slow for any route
    (`request_limits`) is answered 413 or 408 by the app, not here."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BODY:
        raise BadForm("form too large")
    try:
        async with request.form(max_files=0, max_fields=10, max_part_size=MAX_FORM) as form:
            return {k: v[:MAX_FORM] for k, v in form.items() if isinstance(v, str)}
    except BodyRefused:
        raise
    except Exception as error:  # whatever the parser makes of a broken body
        raise BadForm(str(error)[:80]) from error
