"""The state store's contract (`widget_server.state.base.StateStore`), run against every
backend: a backend that passes this module is a backend. Both run on the system clock,
since Redis keeps time by its own; TTLs are a fraction of a second."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.harness import forget_keys
from tests.redis_server import redis_url
from widget_server.entries import Entry
from widget_server.settings import Settings
from widget_server.sms.senders import TemplateSender
from widget_server.sms.setup import build_sender
from widget_server.state.base import StateStore, StoreDown
from widget_server.state.redis import RedisState
from widget_server.state.sqlite import SqliteState
from widget_server.upstream import models
from widget_server.upstream.errors import GroupNotFound

pytestmark = pytest.mark.anyio
BACKENDS = ["sqlite", "redis"]
MAX_ENTRIES = 4
MINUTE = [(60_000, [3])]
GROUP = models.group({"group": {"name": "jumpy", "title": "Jumpy", "description": "d",
                                "public": True, "members": 3, "posts": 28,
                                "created": "2026-01-01T00:00:00Z"}})


@contextlib.asynccontextmanager
async def opened(backend: str, where: str) -> AsyncIterator[StateStore]:
    """A store of `backend` at `where` (a folder, or a Redis prefix): opening it twice at
    one place is two processes on one store."""
    store: StateStore
    if backend == "sqlite":
        store = SqliteState(Path(where) / "state.sqlite3", time.time,
                            max_entries=MAX_ENTRIES)
    else:
        store = RedisState(redis_url(), where, max_entries=MAX_ENTRIES)
    try:
        yield store
    finally:
        await store.aclose()


@pytest.fixture(params=BACKENDS)
async def place(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str]]:
    backend: str = request.param
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield backend, folder
    else:
        prefix = f"test:{uuid.uuid4().hex}:"
        yield backend, prefix
        await forget_keys(prefix)


@pytest.fixture
async def store(place: tuple[str, str]) -> AsyncIterator[StateStore]:
    async with opened(*place) as opened_store:
        yield opened_store


def ms() -> int:
    return int(time.time() * 1000)


async def test_take_records_in_every_log_while_every_window_has_room(
        store: StateStore) -> None:
    now = ms()
    windows = [(60_000, [3, 5])]
    for n in range(3):
        assert await store.take(["a", "b"], windows, now + n, f"m{n}") is None
    wait = await store.take(["a", "b"], windows, now + 3, "m3")
    assert wait is not None and 59.9 < wait <= 60.0  # until the oldest leaves the window
    assert await store.count_since("a", now - 1) == 3
    assert await store.count_since("b", now - 1) == 3
    assert await store.take(["b"], [(60_000, [5])], now + 3, "m3") is None


async def test_take_is_atomic_across_processes(place: tuple[str, str]) -> None:
    async with opened(*place) as one, opened(*place) as two:
        now = ms()
        results = await asyncio.gather(*[
            (one if n % 2 else two).take(["log"], MINUTE, now, f"m{n}") for n in range(40)])
        assert sum(1 for r in results if r is None) == 3


async def test_restamp_only_moves_an_event_later(store: StateStore) -> None:
    now = ms()
    await store.take(["log"], MINUTE, now - 30_000, "call")
    await store.restamp(["log"], "call", now - 50_000)
    assert await store.count_since("log", now - 40_000) == 1
    await store.restamp(["log"], "call", now)
    assert await store.count_since("log", now - 1) == 1
    await store.restamp(["log"], "nobody", now)
    assert await store.count_since("log", 0) == 1


async def test_forget_takes_an_event_back(store: StateStore) -> None:
    now = ms()
    for n in range(3):
        await store.take(["log"], MINUTE, now, f"m{n}")
    await store.forget(["log"], "m1")
    assert await store.count_since("log", now - 1) == 2
    assert await store.take(["log"], MINUTE, now, "m3") is None


async def test_count_up_counts_until_its_ttl_from_the_first(store: StateStore) -> None:
    assert await store.counted("tries") == 0
    assert [await store.count_up("tries", 0.4) for _ in range(3)] == [1, 2, 3]
    await asyncio.sleep(0.2)
    assert await store.count_up("tries", 0.4) == 4  # no new TTL: it runs from the first
    assert await store.counted("tries") == 4
    await asyncio.sleep(0.3)
    assert await store.counted("tries") == 0
    assert await store.count_up("tries", 0.4) == 1


async def test_count_up_is_atomic_across_processes(place: tuple[str, str]) -> None:
    async with opened(*place) as one, opened(*place) as two:
        counts = await asyncio.gather(*[(one if n % 2 else two).count_up("c", 5.0)
                                        for n in range(30)])
        assert sorted(counts) == list(range(1, 31))


async def test_lists_keep_their_newest_values(store: StateStore) -> None:
    for n in range(5):
        await store.append("notes", f"note {n}", keep=3)
    assert await store.recent("notes") == ["note 4", "note 3", "note 2"]
    assert await store.recent("none") == []


async def test_an_entry_is_loaded_as_saved(store: StateStore) -> None:
    fetched = time.time()
    await store.save("info:jumpy", Entry(value=GROUP, fetched=fetched, version=3), 30)
    loaded = await store.load("info:jumpy")
    assert loaded is not None and loaded.value == GROUP and loaded.fetched == fetched
    assert loaded.version == 1 and loaded.error is None
    assert await store.load("info:other") is None


async def test_an_error_is_kept_beside_the_value_for_error_ttl_only(store: StateStore) -> None:
    now = time.time()
    await store.save("info:jumpy", Entry(value=GROUP, fetched=now, version=1), 30)
    await store.save("info:jumpy", Entry(error=GroupNotFound(2, "gone"), retry_at=now + 5),
                     0.3)
    failed = await store.load("info:jumpy")
    assert failed is not None and failed.value == GROUP  # an error never replaces a value
    assert isinstance(failed.error, GroupNotFound) and failed.retry_at == now + 5
    await asyncio.sleep(0.4)
    recovered = await store.load("info:jumpy")
    assert recovered is not None and recovered.value == GROUP and recovered.error is None


async def test_an_error_alone_is_kept_for_error_ttl(store: StateStore) -> None:
    await store.save("info:nosuch", Entry(error=GroupNotFound(2, "gone"),
                                          retry_at=time.time() + 5), 0.3)
    failed = await store.load("info:nosuch")
    assert failed is not None and failed.value is None and failed.error is not None
    await asyncio.sleep(0.4)
    assert await store.load("info:nosuch") is None


async def test_a_good_value_clears_the_error(store: StateStore) -> None:
    now = time.time()
    await store.save("k", Entry(error=GroupNotFound(2, "gone"), retry_at=now + 5), 30)
    await store.save("k", Entry(value=GROUP, fetched=now, version=1), 30)
    loaded = await store.load("k")
    assert loaded is not None and loaded.error is None and loaded.value == GROUP


async def test_entries_are_bounded_keeping_the_latest_fetched(store: StateStore) -> None:
    now = time.time()
    for n in range(MAX_ENTRIES + 2):
        await store.save(f"k{n}", Entry(value=GROUP, fetched=now + n, version=1), 30)
    kept = [await store.load(f"k{n}") is not None for n in range(MAX_ENTRIES + 2)]
    assert kept == [False, False] + [True] * MAX_ENTRIES


async def test_a_lock_is_exclusive_until_unlocked_or_expired(place: tuple[str, str]) -> None:
    async with opened(*place) as one, opened(*place) as two:
        token = await one.lock("k", 0.3)
        assert token is not None and await two.lock("k", 0.3) is None
        await two.unlock("k", "not-the-token")
        assert await two.lock("k", 0.3) is None
        await one.unlock("k", token)
        again = await two.lock("k", 0.3)
        assert again is not None
        await asyncio.sleep(0.4)
        assert await one.lock("k", 0.3) is not None


async def test_a_lock_is_renewed_by_its_token_only_as_a_lease(place: tuple[str, str]) -> None:
    async with opened(*place) as one, opened(*place) as two:
        token = await one.lock("lease", 0.4)
        assert token is not None
        for _ in range(3):  # renewed before it runs out: held past its first ttl
            await asyncio.sleep(0.2)
            assert await one.lock("lease", 0.4, token) == token
            assert await two.lock("lease", 0.4, "someone-else") is None
        await asyncio.sleep(0.5)  # not renewed: another takes it, and the old token cannot
        taken = await two.lock("lease", 0.4, "second")
        assert taken == "second"
        assert await one.lock("lease", 0.4, token) is None


async def test_a_value_lives_its_ttl_and_a_drop_is_seen_by_every_process(
        place: tuple[str, str]) -> None:
    async with opened(*place) as one, opened(*place) as two:
        assert await one.get("session:a") is None
        await one.put("session:a", "first", 30)
        await one.put("session:a", "second", 30)  # replaced, not added
        await one.put("session:b", "brief", 0.3)
        assert await two.get("session:a") == "second"
        assert await two.get("session:b") == "brief"
        await two.drop("session:a")
        assert await one.get("session:a") is None
        await asyncio.sleep(0.4)
        assert await one.get("session:b") is None


async def test_pressure_keeps_the_later_time_and_forgets_the_past(store: StateStore) -> None:
    now = time.time()
    assert await store.pressure() == (0.0, 0.0)
    await store.record_pressure(now + 60, now + 30, now)
    await store.record_pressure(now + 10, now + 50, now)  # an earlier pause never shortens one
    assert await store.pressure() == (now + 60, now + 50)
    await store.record_pressure(now + 0.3, 0.0, now)
    await asyncio.sleep(0.1)
    assert await store.pressure() == (now + 60, now + 50)


async def test_pressure_in_the_past_reads_as_none(store: StateStore) -> None:
    now = time.time()
    await store.record_pressure(now + 0.2, now + 0.2, now)
    await asyncio.sleep(0.3)
    assert await store.pressure() == (0.0, 0.0)


async def test_what_one_process_writes_another_reads(place: tuple[str, str]) -> None:
    now = time.time()
    async with opened(*place) as writer:
        await writer.save("k", Entry(value=GROUP, fetched=now, version=1), 30)
        await writer.append("notes", "n", keep=3)
        await writer.count_up("c", 30)
        await writer.record_pressure(now + 60, 0.0, now)
    async with opened(*place) as reader:
        assert (await reader.load("k")) is not None
        assert await reader.recent("notes") == ["n"]
        assert await reader.counted("c") == 1
        assert (await reader.pressure())[0] == now + 60


async def test_a_redis_count_up_cut_short_leaves_no_counter_without_its_ttl() -> None:
    """A process may die between two commands; a counter must never be left without its
    expiry (it would count for ever). A Redis user who may not PEXPIRE stands for that
    death: what it manages to do must still expire."""
    admin = aioredis.Redis.from_url(redis_url())
    prefix, user = f"test:{uuid.uuid4().hex}:", f"limited-{uuid.uuid4().hex[:8]}"
    await admin.acl_setuser(user, enabled=True, nopass=True, keys=["*"],
                            commands=["+@all", "-pexpire", "-expire"])
    host = redis_url().split("//")[1]
    store = RedisState(f"redis://{user}@{host}", prefix)
    try:
        with contextlib.suppress(StoreDown):
            await store.count_up("tries", 5.0)
        assert await admin.pttl(prefix + "tries") != -1  # -1: a key that never expires
    finally:
        await store.aclose()
        await admin.acl_deluser(user)
        await forget_keys(prefix)
        await admin.aclose()


async def test_the_sms_pace_is_kept_in_the_configured_store(tmp_path: Path) -> None:
    """No backend opened behind the abstraction's back: with Redis configured, the
    template sender's pace is counted in Redis, where every instance sees it."""
    prefix = f"test:{uuid.uuid4().hex}:"
    settings = Settings(data_dir=tmp_path / "data", redis_url=redis_url(), redis_prefix=prefix,
                        sms_gateway="partner-template", partner_app_id="a",
                        partner_token="t", partner_app_name="n", partner_template_id="i",
                        partner_source="GUPSHP")
    sender = build_sender(settings, time.time)
    assert isinstance(sender, TemplateSender)
    try:
        assert isinstance(sender.pacer.store, RedisState)
        assert not (tmp_path / "data" / "state.sqlite3").exists()
    finally:
        await sender.aclose()
        await forget_keys(prefix)
