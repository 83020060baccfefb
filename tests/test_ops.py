"""What operators and load balancers read: `/livez` answers while the process does,
`/readyz` says 503 with a reason when nothing new can be fetched or counted, and names
the upstream's state while still serving."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import anyio
import pytest

from tests.harness import widget_env
from tests.redis_proxy import RedisProxy
from widget_server.services import cancel_until_done

pytestmark = pytest.mark.anyio


async def test_ready_while_all_is_well_and_the_upstreams_failure_is_said(
        tmp_path: Path) -> None:
    async with widget_env(tmp_path) as env:
        ready = await env.client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["store"] == "ok"
        assert ready.json()["upstream"]["failing"] is False
        assert (await env.client.get("/healthz")).json() == ready.json()  # the older name
        await env.refresh_into("500", "/api/groups/jumpy")  # the upstream fails
        failing = await env.client.get("/readyz")
        assert failing.status_code == 200  # stale data is still served: stay in rotation
        assert failing.json()["upstream"]["failing"] is True
        assert (await env.client.get("/livez")).json() == {"status": "alive"}


@pytest.mark.redis
async def test_not_ready_while_the_state_store_is_unreachable(tmp_path: Path) -> None:
    async with RedisProxy.running() as proxy, widget_env(
            tmp_path, redis_url=proxy.url(0), redis_prefix=f"test:{uuid.uuid4().hex}:") as env:
        assert (await env.client.get("/readyz")).status_code == 200
        await proxy.cut()
        down = await env.client.get("/readyz")
        assert down.status_code == 503 and down.json()["status"] == "not ready"
        assert "state store" in down.json()["store"]
        assert (await env.client.get("/livez")).status_code == 200
        await proxy.restore()
        assert (await env.client.get("/readyz")).status_code == 200


@pytest.mark.redis
async def test_the_stores_failure_is_said_as_the_sites_trouble_and_counted(
        tmp_path: Path) -> None:
    """Operators' trial: when Redis or the disk failed, visitors read "GupShup isn't
    answering" and owners "calls used up"."""
    async with RedisProxy.running() as proxy, widget_env(
            tmp_path, redis_url=proxy.url(0), redis_prefix=f"test:{uuid.uuid4().hex}:") as env:
        await proxy.cut()
        answer = await env.client.get("/api/groups/jumpy")  # a cold key: nothing to serve
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "site_trouble"
        assert "problem on its side" in answer.json()["error"]["message"]
        assert env.upstream.requests == []  # nothing that could not be counted
        assert env.metrics_sample("widget_store_failures_total") >= 1
        await proxy.restore()



def test_not_ready_while_the_data_disk_is_full(tmp_path: Path) -> None:
    """The disk is full as far as the server can tell: no file it writes may grow past
    512 KB (RLIMIT_FSIZE; Python ignores SIGXFSZ, so a write past it fails as on a full
    disk). /readyz writes every time: once the state file's log cannot grow, it says so."""
    import resource

    import httpx

    from tests.live import running_server, server_env

    limit = 512 * 1024
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    with running_server(["serve"], server_env(tmp_path / "data"), preexec=small_files) as server:
        base = server.base
        answers = []
        for _ in range(limit // 4096 + 200):  # a page or more of log per write
            answer = httpx.get(base + "/readyz")
            answers.append(answer.status_code)
            if answer.status_code == 503:
                break
        assert answers[0] == 200 and answers[-1] == 503
        assert "cannot be written" in answer.json()["store"]
        assert httpx.get(base + "/livez").status_code == 200


async def test_a_stop_never_hangs_on_a_cancellation_a_library_swallowed() -> None:
    """Trial: one run in four of a Redis test hung at shutdown: redis-py swallowed the
    cancellation that landed in the middle of its call, and the scheduler slept on."""
    async def stubborn() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # as the library did
            await asyncio.sleep(10)
        await asyncio.sleep(10)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    with anyio.fail_after(5):
        await cancel_until_done(task)
    assert task.cancelled()
