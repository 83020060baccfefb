"""The call budget, with an injected clock and randomized schedules."""

from __future__ import annotations

import contextlib
from bisect import bisect_left
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness import widget_env
from tests.stores import CEILINGS, RESERVE, budget_on, sqlite_state
from widget_server.clock import ManualClock
from widget_server.settings import Settings, SettingsError
from widget_server.state.sqlite import SqliteState
from widget_server.upstream.budget import Budget
from widget_server.upstream.errors import BudgetExhausted, TooManyMisses
from widget_server.upstream.priority import PRIORITY, Use, check

pytestmark = pytest.mark.anyio
WINDOWS = (60.0, 3600.0, 86400.0)


def most_in_any_window(times: list[float], length: float) -> int:
    """The most calls any sliding window of `length` seconds held."""
    return max((i + 1 - bisect_left(times, t - length) for i, t in enumerate(times)), default=0)


schedule = st.lists(st.tuples(st.floats(0, 900, allow_nan=False), st.booleans()),
                    min_size=1, max_size=400)


async def run_schedule(clock: ManualClock, budgets: list[Budget],
                       steps: list[tuple[float, bool, int]]) -> tuple[list[float], list[float]]:
    """Ask `budgets` for calls on the schedule; the times of all calls admitted and of the
    admitted refreshes (calls that may not use the reserve)."""
    calls: list[float] = []
    refreshes: list[float] = []
    for gap, is_subscription, instance in steps:
        clock.advance(gap / 100)  # bursts within seconds, some gaps of minutes
        try:
            await budgets[instance].acquire("subscribe" if is_subscription else "refresh")
        except BudgetExhausted as refused:
            assert refused.retry_after > 0
            continue
        calls.append(clock.now)
        if not is_subscription:
            refreshes.append(clock.now)
    return calls, refreshes


def assert_within(calls: list[float], refreshes: list[float], ceilings: tuple[int, int, int],
                  reserves: tuple[int, int, int]) -> None:
    for ceiling, reserve, length in zip(ceilings, reserves, WINDOWS, strict=True):
        assert most_in_any_window(calls, length) <= ceiling
        assert most_in_any_window(refreshes, length) <= ceiling - reserve


@given(schedule)
@settings(max_examples=60, deadline=None)
async def test_no_window_ever_exceeds_its_ceiling(steps: list[tuple[float, bool]]) -> None:
    clock = ManualClock()
    async with sqlite_state(clock) as store:
        calls, refreshes = await run_schedule(clock, [budget_on(store, clock)],
                                              [(gap, sub, 0) for gap, sub in steps])
    assert_within(calls, refreshes, CEILINGS, RESERVE)


DEFAULT = Settings().floors()  # the shipped floors: confirm 3, subscribe 6, console 2, view 1
USES = st.sampled_from(PRIORITY)


async def _take_all(budget: Budget, use: Use, client: str | None = None) -> int:
    """Calls of `use` admitted now, until the budget refuses one."""
    taken = 0
    with contextlib.suppress(BudgetExhausted, TooManyMisses):
        while taken < 1000:
            await budget.acquire(use, client)
            taken += 1
    return taken


@given(st.lists(st.tuples(st.floats(0, 3, allow_nan=False), USES), max_size=200))
@settings(max_examples=40, deadline=None)
async def test_every_floor_is_there_whatever_the_uses_below_did(
        steps: list[tuple[float, Use]]) -> None:
    """Whatever was asked before, in priority order from the top each use finds its
    floor, and no window ever holds more than its ceiling."""
    clock = ManualClock()
    async with sqlite_state(clock) as store:
        budget = budget_on(store, clock, CEILINGS, DEFAULT)
        calls: list[float] = []
        for gap, use in steps:
            clock.advance(gap)
            with contextlib.suppress(BudgetExhausted):
                await budget.acquire(use)
                calls.append(clock.now)
        clock.advance(60)  # a new minute: what the hour and the day left is what counts
        got = {use: await _take_all(budget, use) for use in reversed(PRIORITY)}
    # Each use below first views, flat out, left first views their floor; views, flat
    # out, left one sign-up and the confirmations' floor.
    assert got["view"] >= DEFAULT["view"][0]
    assert got["subscribe"] >= 1 and got["confirm"] >= DEFAULT["confirm"][0]
    assert most_in_any_window(calls, 60) <= CEILINGS[0]


async def test_lower_uses_flat_out_leave_each_floor_above(store: SqliteState,
                                                         clock: ManualClock) -> None:
    """Refreshes, guesses, first views, the console, new subscriptions, each flat out in
    turn: confirmations still find their floor; and each use found at least its own."""
    budget = budget_on(store, clock, CEILINGS, DEFAULT)
    got = {use: await _take_all(budget, use) for use in reversed(PRIORITY)}
    assert got["refresh"] == CEILINGS[0] - sum(f[0] for f in DEFAULT.values())  # 10
    assert got["guess"] == 0  # nothing idle is lent to names never seen
    # First views borrow the people's idle floors, all but the confirmations' and 1.
    assert got["view"] == 22 - 4 - got["refresh"]
    assert got["console"] == 0 and got["subscribe"] == 1 and got["confirm"] == 3
    assert sum(got.values()) == CEILINGS[0]


async def test_a_higher_use_takes_what_lower_ones_left_idle(store: SqliteState,
                                                           clock: ManualClock) -> None:
    """Trial: sign-ups were refused at a fixed part of the reserve while most of the
    budget sat idle. A floor is not a ceiling."""
    budget = budget_on(store, clock, CEILINGS, DEFAULT)
    assert await _take_all(budget, "subscribe") == CEILINGS[0] - DEFAULT["confirm"][0]
    assert await _take_all(budget, "confirm") == DEFAULT["confirm"][0]
    clock.advance(61)
    assert await _take_all(budget, "confirm") == CEILINGS[0]


async def test_six_sign_ups_a_minute_while_refreshes_run_flat_out(
        store: SqliteState, clock: ManualClock) -> None:
    budget = budget_on(store, clock, CEILINGS, DEFAULT)
    for second in range(60):
        clock.advance(1)
        await _take_all(budget, "refresh")
        if second % 10 == 0:
            await budget.acquire("subscribe", f"10.0.0.{second}")
            await budget.acquire("confirm", f"10.0.0.{second}")


async def test_one_client_takes_a_third_of_a_use_and_leaves_the_rest(
        store: SqliteState, clock: ManualClock) -> None:
    """Trial: one address asking for 15 made-up names spent the refresh minute, and the
    first views of three real groups from other addresses got 503."""
    budget = budget_on(store, clock, CEILINGS, DEFAULT, share=1 / 3)
    room = budget.rules["view"].room[0]
    assert await _take_all(budget, "view", "203.0.113.9") == room // 3
    with pytest.raises(TooManyMisses):
        await budget.acquire("view", "203.0.113.9")
    guesses = budget.rules["guess"].room[0] // 3
    assert await _take_all(budget, "guess", "203.0.113.9") == guesses  # a third too
    for client in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        await budget.acquire("view", client)
    # Many clients together may use what is idle.
    # Many clients together may use everything idle.
    taken = room // 3 + guesses + 3 + await _take_all(budget, "view", "198.51.100.4")
    assert taken == room


async def test_a_call_given_back_frees_its_client_share(store: SqliteState,
                                                       clock: ManualClock) -> None:
    budget = budget_on(store, clock, CEILINGS, DEFAULT, share=1 / 3)
    share = budget.rules["console"].share
    assert share is not None
    calls = [await budget.acquire("console", "192.0.2.1") for _ in range(share[0])]
    with pytest.raises(TooManyMisses):
        await budget.acquire("console", "192.0.2.1")
    await budget.release(calls[0])
    await budget.acquire("console", "192.0.2.1")


async def test_throttle_tag_pauses_refreshes_and_halves_the_pace(store: SqliteState,
                                                                clock: ManualClock) -> None:
    budget = budget_on(store, clock)
    rate = budget.refresh_rate()
    budget.throttle_tag()
    assert budget.refresh_rate() == pytest.approx(rate / 2)
    with pytest.raises(BudgetExhausted):
        await budget.acquire()
    await budget.acquire("subscribe")  # subscriptions are not paused by a tag
    clock.advance(61)
    await budget.acquire()
    clock.advance(3600)
    assert budget.refresh_rate() == pytest.approx(rate)


async def test_error_113_stops_every_call_for_a_cool_down(store: SqliteState,
                                                         clock: ManualClock) -> None:
    budget = budget_on(store, clock)
    budget.throttled("minute")
    for use in ("refresh", "subscribe", "confirm"):
        with pytest.raises(BudgetExhausted) as refused:
            await budget.acquire(use)
        assert refused.value.retry_after >= 59
    clock.advance(60.5)
    await budget.acquire("subscribe")


async def test_remaining_counts_down(store: SqliteState, clock: ManualClock) -> None:
    budget = budget_on(store, clock)
    await budget.acquire()
    await budget.acquire("subscribe")
    assert await budget.remaining() == {"minute": 20, "hour": 948, "day": 9498}
    clock.advance(61)
    assert (await budget.remaining())["minute"] == 22


def test_floors_must_leave_refreshes_some_room() -> None:
    with pytest.raises(SettingsError, match="below the budget"):
        Settings(budget=(12, 950, 9500))
    assert check((22, 950, 9500), Settings().floors()) is None


async def test_a_call_that_never_reached_the_upstream_gives_its_slot_back(
        tmp_path: Path) -> None:
    """Trial: the budget's logs held calls the upstream never received (admitted, then not
    made). A connection refused costs the upstream nothing, and now the budget nothing."""
    async with widget_env(tmp_path) as env:
        env.upstream.mode = "connect"
        for group in ("jumpy", "shayari", "cricketbuzz"):
            assert (await env.client.get(f"/api/groups/{group}")).status_code == 503
        left = await env.services.budget.remaining()
        assert left["minute"] == env.services.settings.budget[0]  # nothing counted
        env.upstream.mode = "ok"
        env.clock.advance(30)
        assert (await env.client.get("/api/groups/delhimetro")).status_code == 200
        assert (await env.services.budget.remaining())["minute"] == \
            env.services.settings.budget[0] - 1  # what reached it, counted
