"""Requests a second and p99 latency of the widget server against bare Starlette.

In one run: a bare Starlette plain-text app and the widget server (embedded local GupShup,
cache warm), each in one uvicorn worker with the same settings, pinned to one core, loaded
the same way by wrk pinned to the other. Prints each figure and the widget server's ratios
to the bare app (goal: each >= 0.8).

    python benchmarks/serve.py [--seconds 10] [--connections 64]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/widget/groups/jumpy", "/api/groups/jumpy/messages")
UVICORN = ["--workers", "1", "--no-access-log", "--log-level", "warning", "--loop", "uvloop",
           "--http", "httptools"]


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


def bare_app() -> Starlette:
    return Starlette(routes=[Route("/", hello)])


def widget_app() -> Starlette:
    from widget_server.app import create_app
    from widget_server.settings import Settings

    return create_app(Settings.from_env())


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(factory: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "--factory",
               f"benchmarks.serve:{factory}", "--port", str(port), *UVICORN]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{factory} did not start")


def _wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  warning: {errors.group(1)} non-2xx answers from {url}")
    return rps, float(p99.group(1)) * scale


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], **{p: [] for p in PATHS}}
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "WIDGET_DATA_DIR": data, "PYTHONPATH": str(ROOT)}
        bare_port, widget_port = _port(), _port()
        bare, widget = _start("bare_app", bare_port, env), _start("widget_app", widget_port, env)
        try:
            urls = {"bare": f"http://127.0.0.1:{bare_port}/",
                    **{p: f"http://127.0.0.1:{widget_port}{p}" for p in PATHS}}
            for url in urls.values():
                assert httpx.get(url).status_code == 200  # warm the cache
                _wrk(url, 2, args.connections)  # and the process
            # Interleaved rounds, so drift in the machine's speed hits every endpoint alike.
            for _ in range(args.rounds):
                for name, url in urls.items():
                    runs[name].append(_wrk(url, args.seconds, args.connections))
        finally:
            for process in (bare, widget):
                process.terminate()
                process.wait(10)
    median = {name: (statistics.median(r for r, _ in figures),
                     statistics.median(p for _, p in figures)) for name, figures in runs.items()}
    bare_rps = median["bare"][0]
    print(f"median of {args.rounds} interleaved rounds of {args.seconds} s, "
          f"{args.connections} connections, one uvicorn worker on one core")
    print(f"{'endpoint':34} {'req/s':>9} {'p99 ms':>8} {'ratio':>6}")
    for name, (rps, p99) in median.items():
        label = "bare Starlette plain text" if name == "bare" else name
        print(f"{label:34} {rps:9.0f} {p99:8.2f} {rps / bare_rps:6.2f}")


if __name__ == "__main__":
    main()
