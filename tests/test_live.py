"""Live widgets over real HTTP (uvicorn): an open Server-Sent Events stream hears of a post
made through the local GupShup's API as soon as the feed brings it, with no call for its
group; a server at its limit of streams tells widgets to poll instead."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import post_over_http
from tests.live import live_server
from widget_server.app import create_app
from widget_server.settings import Settings

GROUPS = ("jumpy", "shayari", "cricketbuzz", "delhimetro")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, object]]:
    app = create_app(Settings(data_dir=tmp_path / "data", expose_gupshup=True,
                              client_share=1.0))  # one test client plays every reader
    with live_server(app) as base:
        yield base, app


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event:
            yield event, line.partition(":")[2].strip()
            event = ""


def _calls(base: str, method: str) -> float:
    text = httpx.get(base + "/metrics").text
    return sum(float(n) for n in re.findall(
        rf'^widget_upstream_calls_total{{[^}}]*method="{re.escape(method)}"[^}}]*}} (\S+)',
        text, re.M))


def test_an_open_stream_hears_of_a_post_through_the_feed(served: tuple[str, object]) -> None:
    base, _ = served
    for _ in range(2):  # the groups are in use: the feed watches for them
        for group in GROUPS:
            assert httpx.get(f"{base}/api/groups/{group}/messages").status_code == 200
        time.sleep(1.1)
    with httpx.stream("GET", f"{base}/api/groups/jumpy/events",
                      timeout=httpx.Timeout(5, read=30)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-store"
        events = _events(stream.iter_lines())
        assert next(events)[0] == "hello"
        streams_before = _calls(base, "groups.getStream")
        post_over_http(base, "jumpy", "Live from the feed")
        posted = time.monotonic()
        kind, version = next(events)
        waited = time.monotonic() - posted
    assert kind == "changed" and waited < 20
    answer = httpx.get(f"{base}/api/groups/jumpy/messages?range=1&v={version}").json()
    assert answer["messages"][0]["text"] == "Live from the feed"
    assert _calls(base, "groups.getStream") == streams_before  # the feed brought it


def test_a_server_at_its_limit_of_streams_says_poll_instead(
        served: tuple[str, object]) -> None:
    base, app = served
    app.state.services.live.limit = 0  # type: ignore[attr-defined]
    refused = httpx.get(f"{base}/api/groups/jumpy/events?lang=hi")
    assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
    assert refused.json()["error"]["message"]  # in the asker's language, as every error
    bad = httpx.get(f"{base}/api/groups/no%20such/events")
    assert bad.status_code == 400
