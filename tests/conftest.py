from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import Server, roomy_server
from tests.stores import sqlite_state
from widget_server.clock import ManualClock
from widget_server.gupshup.app import LocalGupShup, create_gupshup_app
from widget_server.settings import Settings
from widget_server.state.sqlite import SqliteState


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def store(clock: ManualClock, tmp_path: Path) -> AsyncIterator[SqliteState]:
    """The embedded state store on the test's own file and clock."""
    async with sqlite_state(clock, tmp_path / "state.sqlite3") as state:
        yield state


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The protocol tests call as a trusted client (a widget server would): the limit on
    # what one outside address may send has tests of its own.
    return Settings(data_dir=tmp_path / "data", gupshup_clients=("127.0.0.1",))


@pytest.fixture
def gupshup(settings: Settings, clock: ManualClock) -> Iterator[LocalGupShup]:
    service = LocalGupShup(settings, clock)
    yield service
    service.close()


@pytest.fixture
async def client(gupshup: LocalGupShup) -> AsyncIterator[httpx.AsyncClient]:
    app = create_gupshup_app(gupshup.settings, service=gupshup)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gupshup") as c:
        yield c


@pytest.fixture(scope="module")
def roomy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a live port with room for many pages from one client (browser tests)."""
    with roomy_server(tmp_path_factory.mktemp("roomy")) as running:
        yield running
