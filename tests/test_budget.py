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
from widget_server.state.sqlite import SqliteState
from widget_server.upstream.budget import Budget, Use
from widget_server.upstream.errors import BudgetExhausted

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


@given(st.integers(0, 200), st.floats(0, 3, allow_nan=False))
@settings(max_examples=40, deadline=None)
async def test_the_reserve_is_always_left_for_subscriptions(refreshes: int, gap: float) -> None:
    clock = ManualClock()
    async with sqlite_state(clock) as store:
        budget = budget_on(store, clock)
        for _ in range(refreshes):
            clock.advance(gap)
            with contextlib.suppress(BudgetExhausted):
                await budget.acquire()
        # However refreshes went, the reserve is there: half of it for new subscriptions,
        # and a confirmation gets its share even when new subscriptions took theirs.
        started = 0
        with contextlib.suppress(BudgetExhausted):
            while True:
                await budget.acquire("subscribe")
                started += 1
        assert started >= RESERVE[0] // 2
        for _ in range(RESERVE[0] // 2):
            await budget.acquire("confirm")


CONSOLE_RESERVE = (10, 150, 800)
CONSOLE = (6, 90, 480)  # the default share, 0.6 of the reserve
USES = st.sampled_from(["refresh", "subscribe", "confirm", "console"])


async def _take_all(budget: Budget, use: Use) -> int:
    """Calls of `use` admitted now, until the budget refuses one."""
    taken = 0
    with contextlib.suppress(BudgetExhausted):
        while taken < 1000:
            await budget.acquire(use)
            taken += 1
    return taken


@given(st.lists(st.tuples(st.floats(0, 3, allow_nan=False), USES), max_size=200))
@settings(max_examples=40, deadline=None)
async def test_the_console_and_the_subscriptions_never_starve_each_other(
        steps: list[tuple[float, Use]]) -> None:
    """Whatever was asked before, a minute's console share is there for the console, the
    subscriptions' part for new subscriptions and half of it for confirmations; and no
    window ever holds more than its ceiling."""
    clock = ManualClock()
    async with sqlite_state(clock) as store:
        budget = budget_on(store, clock, CEILINGS, CONSOLE_RESERVE, CONSOLE)
        calls: list[float] = []
        for gap, use in steps:
            clock.advance(gap)
            with contextlib.suppress(BudgetExhausted):
                await budget.acquire(use)
                calls.append(clock.now)
        clock.advance(60)  # a new minute: what the hour and the day left is what counts
        console = await _take_all(budget, "console")
        starts = await _take_all(budget, "subscribe")
        confirms = await _take_all(budget, "confirm")
    assert console >= CONSOLE[0]
    assert starts >= (CONSOLE_RESERVE[0] - CONSOLE[0]) // 2
    assert confirms >= (CONSOLE_RESERVE[0] - CONSOLE[0]) // 2
    assert most_in_any_window(calls, 60) <= CEILINGS[0]


async def test_the_console_borrows_only_what_refreshes_leave_idle(
        store: SqliteState, clock: ManualClock) -> None:
    budget = budget_on(store, clock, CEILINGS, CONSOLE_RESERVE, CONSOLE)
    # Nothing else asked: the console may use its share and the idle refreshes' room.
    assert await _take_all(budget, "console") == CEILINGS[0] - CONSOLE_RESERVE[0] + CONSOLE[0]
    assert await _take_all(budget, "refresh") == 0
    assert await _take_all(budget, "subscribe") == 2 and await _take_all(budget, "confirm") == 2


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


async def test_reserve_must_be_below_ceiling(store: SqliteState, clock: ManualClock) -> None:
    with pytest.raises(ValueError):
        budget_on(store, clock, (5, 10, 10), (5, 1, 1))


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
