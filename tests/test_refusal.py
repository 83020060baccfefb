"""One table from upstream error to answer (`widget_server.refusal`), and one rounding of
"try again in N seconds": every surface says what the table says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness import kept, widget_env
from widget_server.refusal import refusal, seconds
from widget_server.upstream import errors as e
from widget_server.words import WIDGET

ERRORS: list[e.UpstreamError] = [
    e.GroupNotFound(2, "x"), e.PrivateGroup(112, "x"), e.TooManyMisses(29.2),
    e.BudgetExhausted(29.2), e.Throttled(113, "minute"), e.Unavailable("down"),
    e.ApiRefused(7, "x")]


def test_the_one_rounding_is_up_and_never_zero() -> None:
    assert [seconds(w) for w in (0.0, 0.2, 1.0, 29.0, 29.2, 59.999)] == [1, 1, 1, 29, 30, 60]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_has_an_answer_in_every_language(error: e.UpstreamError) -> None:
    answer = refusal(error)
    assert 400 <= answer.status < 600
    assert answer.key in WIDGET
    if answer.status == 503:
        assert answer.retry and answer.headers()["Retry-After"] == str(answer.retry)


@pytest.mark.anyio
async def test_the_words_and_retry_after_say_the_same_seconds(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=(1, 950, 9500), **kept((0, 0, 0))) as env:
        assert (await env.client.get("/api/groups/jumpy")).status_code == 200
        env.clock.advance(30.8)  # the minute's one call is 29.2 s from leaving it
        for path in ("/api/groups/cricketbuzz", "/widget/groups/cricketbuzz",
                     "/feeds/groups/cricketbuzz.atom", "/api/groups/cricketbuzz?lang=hi"):
            answer = await env.client.get(path)
            assert answer.status_code == 503, path
            said = re.findall(r"(\d+) (?:seconds|सेकंड)", answer.text)
            assert said == [answer.headers["retry-after"]] == ["30"], path
