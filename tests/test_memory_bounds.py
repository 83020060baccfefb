"""Reliability under faults, with real server processes: bounded memory against hostile
upstream bodies and floods of failing keys."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live import live_server, running_server

GIB = 1 << 30


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _gzip(chunks: Iterator[bytes]) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(c) for c in chunks) + packer.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[bytes, str]]:
    """A GiB of zeros in 1 MB of gzip (under the body cap), and in 2 KB of double gzip."""
    once = _gzip(bytes(1 << 20) for _ in range(GIB >> 20))
    return {"gzip": (once, "gzip"), "double": (_gzip(iter([once])), "gzip, gzip")}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    return {**env, "WIDGET_DATA_DIR": str(tmp_path / "data"), **extra}


@pytest.mark.parametrize("kind", ["gzip", "double"])
def test_a_compressed_bomb_keeps_memory_bounded(tmp_path: Path, kind: str,
                                                bombs: dict[str, tuple[bytes, str]]) -> None:
    body, encoding = bombs[kind]

    async def bomb(request: Request) -> Response:
        return Response(body, headers={"content-encoding": encoding,
                                       "content-type": "application/json"})

    upstream = Starlette(routes=[Route("/GupshupAPI/rest", bomb)])
    with live_server(upstream) as url, \
            running_server(["serve", "--upstream", url], _env(
                tmp_path, WIDGET_UPSTREAM_TIMEOUT="60")) as server:
        before = rss_mb(server.proc.pid)
        for group in ("jumpy", "shayari", "techjobs", "cricketbuzz"):
            answer = httpx.get(f"{server.base}/api/groups/{group}", timeout=120)
            assert answer.status_code == 503 and "retry-after" in answer.headers
        assert rss_mb(server.proc.pid) - before < 50


def test_a_flood_on_an_unknown_group_keeps_memory_flat(tmp_path: Path) -> None:
    async def flood(base: str, requests: int) -> set[int]:
        async with httpx.AsyncClient(base_url=base) as client:
            async def worker() -> set[int]:  # 16 of them, each on a connection of its own
                return {(await client.get("/api/groups/nosuchgroup")).status_code
                        for _ in range(requests // 16)}
            return set().union(*await asyncio.gather(*[worker() for _ in range(16)]))

    with running_server(["serve"], _env(tmp_path)) as server:
        assert asyncio.run(flood(server.base, 500)) == {404}  # warm
        before = rss_mb(server.proc.pid)
        assert asyncio.run(flood(server.base, 6000)) == {404}
        assert rss_mb(server.proc.pid) - before < 10  # MB, for 6,000 requests


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_sigterm_is_a_clean_stop(tmp_path: Path, workers: list[str]) -> None:
    with running_server(["serve", *workers], _env(tmp_path)) as server:
        assert httpx.get(server.base + "/api/groups/jumpy").status_code == 200
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(30) == 0
        with pytest.raises(httpx.ConnectError):  # refused, not left hanging in a queue
            httpx.get(server.base + "/healthz")


def test_an_unusable_data_directory_is_named_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "gupshup.sqlite3").mkdir(parents=True)  # the local GupShup's file cannot be
    done = subprocess.run([sys.executable, "-m", "widget_server", "serve"],
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(data) in done.stderr and "writable" in done.stderr
