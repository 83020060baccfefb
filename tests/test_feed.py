"""The public stream as a change feed (`widget_server.feed`), over the local GupShup: posts
made through its API reach the widgets with no call for their group, exactly as the
upstream has them; a gap or a post that cannot be placed falls back to a refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import Env, widget_env
from tests.helpers import call
from widget_server import keys
from widget_server.feed.watcher import LEASE, Watcher
from widget_server.gupshup.app import create_gupshup_app

pytestmark = pytest.mark.anyio
FEED = "gupshup.getPublicStream"


# A minute's room for a first poll's catch-up beside a dozen first views of names not yet
# seen (a fresh server's first minute); the hour and the day as shipped, so the feed plans
# as it would.
ROOMY = (40, 950, 9500)
OTHERS = ("/api/groups/shayari/messages", "/api/groups/cricketbuzz/messages",
          "/api/groups/delhimetro/messages")  # with one group alone, polling it is better


async def _viewed(env: Env, *paths: str) -> None:
    """Each path seen twice, a second apart: the keys behind it are in use. First, as a
    server does when it starts, the watcher's first poll (the names it reads are known,
    and their first views go before guesses at names never seen)."""
    await env.settle()
    for _ in range(2):
        for path in paths:
            assert (await env.client.get(path)).status_code == 200, path
        env.clock.advance(1.5)


def _watcher(env: Env) -> Watcher:
    watcher = env.services.scheduler.watcher
    assert watcher is not None
    return watcher


async def _upstream(env: Env, method: str, **params: str | int) -> dict[str, Any]:
    """What the local GupShup itself answers (as a client of its own, not counted)."""
    app = create_gupshup_app(env.services.settings, service=env.gupshup)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(
            app=app, client=("203.0.113.8", 0)), base_url="http://gupshup") as client:
        return await call(client, method, "json", **params)


async def _same_as_upstream(env: Env, group: str, start: int = 0) -> dict[str, Any]:
    ours = (await env.client.get(f"/api/groups/{group}/messages?from={start}")).json()
    theirs = await _upstream(env, "groups.getStream", group=group, range=15, **{"from": start})
    assert [(m["id"], m["text"]) for m in ours["messages"]] == \
        [(m["id"], m["text"]) for m in theirs["messages"]]
    assert ours["total"] == theirs["total"]
    return dict(ours)


async def test_posts_reach_the_widgets_through_the_feed_with_no_call_for_their_group(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await _viewed(env, "/api/groups/jumpy/messages", "/api/groups/jumpy",
                      "/api/groups/shayari/messages", "/api/groups/cricketbuzz/messages",
                      "/widget/groups/jumpy")
        etag = (await env.client.get("/api/groups/jumpy/messages")).headers["etag"]
        posts_before = (await env.client.get("/api/groups/jumpy")).json()["group"]["posts"]
        await env.settle_for(2)  # the watcher takes the lease and reads where to start
        assert _watcher(env).leading and _watcher(env).status.mode == "feed"
        before = len(env.upstream.requests)
        await env.post("jumpy", "Feed news: samosas at six")
        await env.post("shayari", "A couplet from the feed")
        await env.post("jumpy", "Feed news: and chai")
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        ours = await _same_as_upstream(env, "jumpy")
        assert [m["text"] for m in ours["messages"][:2]] == [
            "Feed news: and chai", "Feed news: samosas at six"]
        await _same_as_upstream(env, "shayari")
        await _same_as_upstream(env, "cricketbuzz")  # nothing new, nothing changed
        assert set(env.upstream.methods()[before:]) == {FEED}  # no call for any group
        fresh = await env.client.get("/api/groups/jumpy/messages")
        assert fresh.headers["etag"] != etag
        assert (await env.client.get("/api/groups/jumpy", headers={"accept": "*/*"})
                ).json()["group"]["posts"] == posts_before + 2
        assert "and chai" in (await env.client.get("/widget/groups/jumpy")).text


async def test_later_pages_shift_with_the_news(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await _viewed(env, "/api/groups/jumpy/messages", "/api/groups/jumpy/messages?from=15",
                      "/api/groups/jumpy/messages?from=4", *OTHERS)
        await env.settle_for(2)
        before = len(env.upstream.requests)
        for n in range(3):
            await env.post("jumpy", f"Shifting news {n}")
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        for start in (0, 4, 15):
            await _same_as_upstream(env, "jumpy", start)
        assert set(env.upstream.methods()[before:]) == {FEED}


async def test_a_gap_the_feed_cannot_page_over_is_refreshed_not_guessed(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await _viewed(env, "/api/groups/jumpy/messages", *OTHERS)
        await env.settle_for(2)
        held = env.data.cache.entries.get(keys.stream("jumpy", 0))
        assert held is not None
        version = held.version
        with env.gupshup.db.write() as conn:  # more news at once than two pages hold
            for n in range(40):
                conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, "
                             "1, ?, ? FROM groups WHERE name = 'cricketbuzz'",
                             (f"over {n}", env.clock()))
            conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                         "'lost in the gap', ? FROM groups WHERE name = 'jumpy'",
                         (env.clock() - 0.5,))
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        assert env.metrics_sample("widget_feed_polls_total", outcome="gap") >= 1
        assert held.version == version  # not guessed at
        assert keys.stream("jumpy", 0) not in env.data.cache.planner.covered
        # Its ordinary refresh comes, at its turn by the square-root rule (and the
        # scheduler's pace: the keys that were due with it go one at a time).
        await env.settle_for(2 * int(env.data.cache.interval_for(keys.stream("jumpy", 0))))
        ours = await _same_as_upstream(env, "jumpy")
        assert ours["messages"][0]["text"] == "lost in the gap"


async def test_a_post_it_cannot_place_is_fetched_again_at_once(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await _viewed(env, "/api/groups/jumpy/messages", *OTHERS)
        await env.settle_for(2)
        posted_at = env.clock()
        await env.post("jumpy", "The newest")
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        with env.gupshup.db.write() as conn:  # new to the feed, yet older than the head
            conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                         "'back-dated', ? FROM groups WHERE name = 'jumpy'", (posted_at - 2,))
        before = len(env.upstream.requests)
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        assert "groups.getStream" in env.upstream.methods()[before:]
        ours = await _same_as_upstream(env, "jumpy")
        assert [m["text"] for m in ours["messages"][:2]] == [
            "The newest", "back-dated"]


async def test_adult_posts_reach_their_group_and_only_the_public_stream_that_asks(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await _viewed(env, "/api/groups/latenight/messages", "/api/public",
                      "/api/public?skipAdult=false")
        await env.settle_for(2)
        await env.post("latenight", "After dark, from the feed")
        await env.post("jumpy", "Daytime, from the feed")
        await env.settle_for(int(_watcher(env).status.interval) + 2)
        await _same_as_upstream(env, "latenight")
        for skip in ("true", "false"):
            ours = (await env.client.get(f"/api/public?skipAdult={skip}")).json()
            theirs = await _upstream(env, "gupshup.getPublicStream", range=15, skipAdult=skip)
            assert [m["id"] for m in ours["messages"]] == \
                [m["id"] for m in theirs["messages"]]
        texts = [m["text"] for m in (await env.client.get("/api/public")).json()["messages"]]
        assert "Daytime, from the feed" in texts and "After dark, from the feed" not in texts


async def test_no_one_looking_no_poll_and_one_group_alone_is_polled_itself(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env:
        await env.settle_for(30)
        assert FEED not in env.upstream.methods()
        assert _watcher(env).status.mode == "idle"
        await _viewed(env, "/api/groups/jumpy/messages")
        await env.settle_for(2)  # the square-root rule finds one group's news sooner
        assert _watcher(env).status.mode == "keys"
        assert env.metrics_sample("widget_feed_mode", mode="keys") == 1


async def test_one_watcher_per_store_and_another_takes_over(tmp_path: Path) -> None:
    async with widget_env(tmp_path, budget=ROOMY) as env, widget_env(
            tmp_path, share_upstream_of=env) as other:
        await _viewed(env, "/api/groups/jumpy/messages", *OTHERS)
        await _viewed(other, "/api/groups/jumpy/messages", *OTHERS)
        for _ in range(3):
            await env.settle()
            await other.settle()
        assert [_watcher(env).leading, _watcher(other).leading].count(True) == 1
        leader, follower = (env, other) if _watcher(env).leading else (other, env)
        await env.post("jumpy", "Heard by both")
        for _ in range(int(_watcher(leader).status.interval) + 2):
            await leader.settle()
            await follower.settle()
        for side in (leader, follower):
            first = (await side.client.get("/api/groups/jumpy/messages")).json()
            assert first["messages"][0]["text"] == "Heard by both"
        # The leader dies without a word: the follower takes over once its lease runs out.
        leader.die()
        for _ in range(int(LEASE) + 2):
            await follower.settle()
        assert _watcher(follower).leading
        # It goes on from where the last watcher left off: what was covered stays so.
        before = len(follower.upstream.requests)
        await follower.post("jumpy", "After the handover")
        for _ in range(int(_watcher(follower).status.interval) + 2):
            await follower.settle()
        first = (await follower.client.get("/api/groups/jumpy/messages")).json()
        assert first["messages"][0]["text"] == "After the handover"
        assert set(follower.upstream.methods()[before:]) == {FEED}
